"""Sweeps and the search for the highest load that meets an SLO (``--sweep``, ``--find-max``).

Pure logic, no Locust and no processes: a step is a callback that runs one load level (warm-up,
then a measured window) and returns its summary and SLO verdict, so the search can be tested on
a model. ``--find-max`` doubles from the start value while the SLO holds, then bisects between
the last level that met it and the first that did not (to one user, or 5 % of a rate); the
number of steps is bounded, so is the time.

Goodput (as vLLM's ``bench serve`` and AIPerf define it) counts the requests that met every
per-request bound: an SLO's maxima on ``ttft_ms``, ``itl_ms``, ``tpot_ms`` and ``e2e_ms`` apply
to each request (its ITL being its mean gap), whatever percentile the SLO names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from routify_suite.load.slo import Bound
from routify_suite.load.workloads import GOODPUT_METRICS

Dimension = Literal["users", "rate"]
DIMENSIONS: Final = ("users", "rate")
DEFAULT_MAX_STEPS: Final = 10
RATE_PRECISION: Final = 0.05
"""Bisection of a rate stops when the bracket is within 5 % of the level that met the SLO."""
STEP_FIGURES: Final = (
    "requests",
    "failures",
    "error_rate",
    "rps",
    "output_tokens_per_s",
    "goodput_rps",
    "missed",
    "duration_s",
    "ttft_ms",
    "itl_ms",
    "e2e_ms",
    "tpot_ms",
)


class SweepError(ValueError):
    """A bad ``--sweep`` / ``--find-max`` setting; one line."""


@dataclass(frozen=True, slots=True)
class Step:
    value: float
    passed: bool
    summary: dict[str, Any]
    directory: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The per-step summary kept in ``capacity.steps`` (the full one is in its directory)."""
        figures = {name: self.summary.get(name) for name in STEP_FIGURES}
        return {
            "value": self.value,
            "passed": self.passed,
            **figures,
            "slo": self.summary.get("slo"),
            "report_dir": self.directory,
        }


RunStep = Callable[[float], Step]


def parse_sweep(text: str) -> tuple[Dimension, list[float]]:
    """``users=10,20,50`` or ``rate=5,10,20`` -> the dimension and its increasing values."""
    name, _, values_text = text.partition("=")
    if name not in DIMENSIONS or not values_text:
        raise SweepError(f"--sweep: {text!r} is not users=N,N,... or rate=R,R,...")
    try:
        values = [float(item) for item in values_text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) <= 0 or (name == "users" and any(v != int(v) for v in values)):
        kind = "whole numbers" if name == "users" else "numbers"
        raise SweepError(f"--sweep: {name} values must be positive {kind}, not {values_text!r}")
    return name, sorted(set(values))  # type: ignore[return-value]


def goodput_bounds(bounds: list[Bound]) -> dict[str, float]:
    """The per-request maxima an SLO implies (the tightest per metric)."""
    limits: dict[str, float] = {}
    for bound in bounds:
        metric = bound.path.split(".", 1)[0]
        if metric in GOODPUT_METRICS and bound.max is not None:
            limits[metric] = min(bound.max, limits.get(metric, math.inf))
    return limits


def run_sweep(values: list[float], run_step: RunStep) -> list[Step]:
    return [run_step(value) for value in values]


def find_max(
    start: float, integer: bool, run_step: RunStep, max_steps: int = DEFAULT_MAX_STEPS
) -> list[Step]:
    """Double while the SLO holds, halve while it does not, then bisect the bracket."""
    steps: dict[float, Step] = {}
    good: float | None = None
    bad: float | None = None
    value = _level(start, integer)
    while len(steps) < max_steps and value not in steps:
        step = steps[value] = run_step(value)
        if step.passed:
            good = value if good is None else max(good, value)
        else:
            bad = value if bad is None else min(bad, value)
        if good is None:
            value = _level(value / 2, integer)
            if integer and value < 1:
                break
        elif bad is None:
            value = _level(value * 2, integer)
        elif _narrow(good, bad, integer):
            break
        else:
            value = _level((good + bad) / 2, integer)
    return list(steps.values())


def _level(value: float, integer: bool) -> float:
    return float(math.floor(value)) if integer else round(value, 3)


def _narrow(good: float, bad: float, integer: bool) -> bool:
    if integer:
        return bad - good <= 1
    return (bad - good) / good <= RATE_PRECISION


def best_step(steps: list[Step]) -> Step | None:
    """The highest level that met the SLO."""
    passed = [step for step in steps if step.passed]
    return max(passed, key=lambda step: step.value) if passed else None


def capacity_block(dimension: Dimension, steps: list[Step]) -> dict[str, Any]:
    """``summary["capacity"]``: the level found, its throughput and goodput, every step."""
    best = best_step(steps)
    return {
        "dimension": dimension,
        "value": None if best is None else _plain(best.value),
        "output_tokens_per_s": None if best is None else best.summary.get("output_tokens_per_s"),
        "goodput_rps": None if best is None else best.summary.get("goodput_rps"),
        "steps": [step.as_dict() for step in sorted(steps, key=lambda step: step.value)],
    }


def _plain(value: float) -> float | int:
    return int(value) if value == int(value) else value


def describe_bounds(bounds: list[Bound]) -> str:
    parts = []
    for bound in bounds:
        if bound.max is not None:
            parts.append(f"{bound.path} <= {bound.max:g}")
        if bound.min is not None:
            parts.append(f"{bound.path} >= {bound.min:g}")
    return ", ".join(parts) or "no SLO"


def result_sentence(capacity: dict[str, Any], bounds: list[Bound], scenario: str = "stream") -> str:
    """``capacity: N concurrent streams (or R req/s) at <SLO>, X output tokens/s, goodput G``;
    users are "streams" only in the stream scenario (a quarter of ``mixed`` does not stream)."""
    slo = describe_bounds(bounds)
    value = capacity["value"]
    if value is None:
        lowest = min((step["value"] for step in capacity["steps"]), default=None)
        load = "" if lowest is None else _load(capacity["dimension"], lowest, scenario)
        tried = f" (even {load} missed it)" if load else ""
        return f"capacity: none found at {slo}{tried}"
    return (
        f"capacity: {_load(capacity['dimension'], value, scenario)} at {slo},"
        f" {capacity['output_tokens_per_s']:g} output tokens/s,"
        f" goodput {capacity['goodput_rps']:g} req/s"
    )


CONCURRENT: Final = {"stream": "streams", "chat": "requests"}
"""What one user of a scenario keeps in flight; other scenarios (mixed) say "users"."""


def _load(dimension: str, value: float, scenario: str) -> str:
    if dimension == "users":
        return f"{value:g} concurrent {CONCURRENT.get(scenario, 'users')}"
    return f"{value:g} req/s"


def exit_code(capacity: dict[str, Any], min_capacity: float | None) -> int:
    """0 when a capacity was found (and reaches ``--min-capacity``), else 1."""
    value = capacity["value"]
    if value is None:
        return 1
    return 0 if min_capacity is None or value >= min_capacity else 1
