"""Generated requests: drawn by Hypothesis from a seed, and shrunk when one fails.

``--fuzz N --seed S`` draws N valid and N invalid bodies (see
:mod:`~routify_suite.conformance.strategies` and :mod:`~routify_suite.conformance.breakages`):
Hypothesis runs a property over the valid strategy with ``max_examples=N`` under the seed, and
one over each breakage's strategy for its share of the invalid ones, and keeps what they drew,
so the same seed, count and target always give the same bodies, in every process (pytest-xdist
workers included). Shrinking replays that same run: the draws before the failing
body are skipped unsent, the failing one is recognised, and Hypothesis's shrinker then proposes
smaller bodies, each sent and judged, keeping the smallest that still fails the same check.
A shrink is bounded in requests and seconds, per case and per run.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from routify_suite.target import Target

VALID, INVALID = "valid", "invalid"
SHRINK_REQUESTS: Final = 100
"""Requests one failing case may send while it is shrunk (a candidate tried before is free)."""
SHRINK_SECONDS: Final = 20.0
RUN_SHRINK_SECONDS: Final = 90.0
"""All shrinks of a run together; after that, failures are reported as drawn."""


@dataclass(frozen=True)
class FuzzSettings:
    """The run's generated cases: how many of each kind and the seed, or those to replay."""

    count: int
    seed: int
    picked: bool = False
    """True when no seed was given and this one was picked (the run prints it)."""
    replay: tuple[FuzzCase, ...] = ()

    @property
    def active(self) -> bool:
        return self.count > 0 or bool(self.replay)

    def cases(self, kind: str) -> list[FuzzCase]:
        if self.replay:
            return [case for case in self.replay if case.kind == kind]
        return [FuzzCase(kind, index, self.seed, self.count) for index in range(self.count)]


@dataclass(frozen=True)
class FuzzCase:
    """One generated case: which draw of which seed (or, in a replay, the body itself)."""

    kind: str
    """"valid" or "invalid"."""
    index: int
    seed: int
    count: int
    replayed: Any = None
    """The body recorded in a results.json (``--replay``); None: draw it from the seed."""
    breaks: str = ""
    """The breakage of a replayed invalid body."""

    def __str__(self) -> str:
        return str(self.index)

    def draw(self, target: Target) -> tuple[str, Any]:
        """(breakage name or "", body)."""
        if self.replayed is not None:
            return self.breaks, self.replayed
        return drawn(target, self.kind, self.seed, self.count)[self.index].value


def strategy(target: Target, kind: str, breakage: str = "") -> Any:
    """The Hypothesis strategy of (breakage, body) pairs: valid, or broken by ``breakage``."""
    from routify_suite.conformance.breakages import breakage_named, invalid_bodies
    from routify_suite.conformance.strategies import valid_bodies

    if kind == VALID:
        return valid_bodies(target).map(lambda body: ("", body))
    return invalid_bodies(target, breakage_named(breakage))


def _target_key(target: Target) -> tuple[Any, ...]:
    return (target.profile, tuple(sorted(target.models.items())))


@dataclass(frozen=True)
class Draw:
    """One drawn (breakage, body), and the Hypothesis run that drew it (to shrink it again)."""

    value: tuple[str, Any]
    seed: int
    examples: int
    breakage: str = ""


_lock = threading.RLock()
_drawn: dict[tuple[Any, ...], list[Draw]] = {}
TOP_UPS: Final = 4


def drawn(target: Target, kind: str, seed: int, count: int) -> list[Draw]:
    """The ``count`` draws of ``kind`` under ``seed``, the same every time (cached).

    Invalid draws take the breakages in turn (case i breaks the i-th modulo their number), each
    from a Hypothesis run of its own, so every breakage is tried about equally often.
    """
    key = (_target_key(target), kind, seed, count)
    with _lock:  # one Hypothesis run at a time
        if key not in _drawn:
            _drawn[key] = _draw_all(target, kind, seed, count)
        return _drawn[key]


def _draw_all(target: Target, kind: str, seed: int, count: int) -> list[Draw]:
    from routify_suite.conformance.breakages import breakages

    if kind == VALID:
        return _draw(target, kind, "", seed, count)
    names = [breakage.name for breakage in breakages(target)]
    per_run = -(-count // len(names))
    runs = [_draw(target, kind, name, seed, per_run) for name in names]
    return [runs[index % len(names)][index // len(names)] for index in range(count)]


def _draw(target: Target, kind: str, breakage: str, seed: int, count: int) -> list[Draw]:
    found: list[Draw] = []
    for top_up in range(TOP_UPS):
        # Hypothesis may stop early when it believes it has seen enough: top up from seed+1...
        run_seed = seed + top_up

        def keep(value: tuple[str, Any], run_seed: int = run_seed) -> None:
            found.append(Draw(value, run_seed, count, breakage))

        _run_property(strategy(target, kind, breakage), run_seed, count, keep)
        if len(found) >= count:
            break
    while found and len(found) < count:  # never fewer cases than asked: repeat draws
        found.append(found[len(found) % len(found)])
    return found[:count]


class _Reproduced(Exception):
    """A candidate still fails the same check: Hypothesis keeps it and shrinks on."""


def _settings(count: int, shrink: bool) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    return settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


def _run_property(
    strategy: Any, seed: int, count: int, test: Callable[[Any], None], shrink: bool = False
) -> None:
    from hypothesis import given
    from hypothesis import seed as with_seed

    @_settings(count, shrink)
    @with_seed(seed)
    @given(strategy)
    def prop(value: Any) -> None:
        test(value)

    with _repeatable():
        prop()


@contextlib.contextmanager
def _repeatable() -> Iterator[None]:
    """Draws that depend on the seed alone.

    Hypothesis mixes in, now and then, literals it collects from the source of the modules
    loaded so far that are not installed packages (an editable install's, a checkout's), so a
    seed's draws would change with how the suite was started, and between the first draw and
    the shrink's replay of it in one run (we saw both). While the suite draws, no such literal
    is drawn (its strategies state their edge values themselves). A Hypothesis without this
    internal needs nothing done.
    """
    try:
        from hypothesis.internal.conjecture.providers import HypothesisProvider
    except ImportError:  # pragma: no cover - another Hypothesis layout
        yield
        return
    original = getattr(HypothesisProvider, "_maybe_draw_constant", None)
    if original is None:  # pragma: no cover
        yield
        return
    HypothesisProvider._maybe_draw_constant = _no_constant  # type: ignore[method-assign]
    try:
        yield
    finally:
        HypothesisProvider._maybe_draw_constant = original  # type: ignore[method-assign]


def _no_constant(self: Any, *args: Any, **kwargs: Any) -> None:
    return None


@dataclass
class ShrinkBudget:
    """What shrinking may still spend in this run."""

    seconds: float = RUN_SHRINK_SECONDS
    spent: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def left(self) -> float:
        with self._lock:
            return self.seconds - self.spent

    def spend(self, seconds: float) -> None:
        with self._lock:
            self.spent += seconds


@dataclass
class Shrunk:
    """The smallest failing draw found, and what finding it cost."""

    value: tuple[str, Any]
    requests: int = 0
    seconds: float = 0.0
    complete: bool = True
    """False when a bound stopped the shrinker (the result is smaller, maybe not minimal)."""


def shrink(
    case: FuzzCase,
    target: Target,
    still_fails: Callable[[tuple[str, Any]], bool],
    budget: ShrinkBudget,
) -> Shrunk:
    """The smallest draw of ``case``'s run for which ``still_fails`` holds (sending each)."""
    original = case.draw(target)
    result = Shrunk(original)
    run = None if case.replayed is not None else drawn(target, case.kind, case.seed, case.count)
    seconds = min(SHRINK_SECONDS, budget.left())
    if run is None or seconds <= 0:
        result.complete = False
        return result
    started = time.monotonic()
    reached = False
    tried: dict[str, bool] = {}

    def interesting(value: tuple[str, Any]) -> bool:
        nonlocal reached
        if not reached:  # the run's draws before the failing one: known, not sent again
            reached = value == original
            return reached
        if value == result.value:
            return True
        key = json.dumps(value, sort_keys=True)
        if key in tried:  # the shrinker proposes the same request more than once
            return tried[key]
        if result.requests >= SHRINK_REQUESTS or time.monotonic() - started > seconds:
            result.complete = False
            return False
        result.requests += 1
        tried[key] = fails = still_fails(value)
        if fails:
            result.value = value
        return fails

    def probe(value: tuple[str, Any]) -> None:
        if interesting(value):  # one place: Hypothesis tells failures apart by where they rise
            raise _Reproduced

    try:
        with _lock:
            origin = run[case.index]
            again = strategy(target, case.kind, origin.breakage)
            _run_property(again, origin.seed, origin.examples, probe, True)
    except _Reproduced:
        pass
    except Exception:  # Hypothesis's own complaints (flaky, unsatisfiable): keep what we have
        result.complete = False
    result.seconds = time.monotonic() - started
    budget.spend(result.seconds)
    return result


def replay_cases(path: str) -> list[FuzzCase]:
    """The failing generated cases of a results.json, with the bodies it reported.

    Raises ValueError (one line) for a file that is not a results.json or has none.
    """
    from pathlib import Path

    from routify_suite.report.model import ResultsError, load_run

    try:
        run = load_run(Path(path))
    except ResultsError as error:
        raise ValueError(str(error)) from None
    cases = []
    for case in run.cases:
        generated = case.generated
        if case.verdict != "fail" or not generated:
            continue
        cases.append(
            FuzzCase(
                generated["kind"],
                int(generated["index"]),
                int(generated["seed"]),
                int(generated["count"]),
                replayed=generated["body"],
                breaks=generated.get("breaks", ""),
            )
        )
    if not cases:
        raise ValueError(f"{path}: no failing generated case to replay")
    return cases
