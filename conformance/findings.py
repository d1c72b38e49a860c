"""What a failed check reports, and the exception that carries it out of a case.

A case never asserts with a bare ``assert``: it collects :class:`Finding` objects (check id,
level, spec rule, expected, got, request id) and hands them to :meth:`CaseLog.expect`. The plugin
reads them back off the exception, so results.json can say which stable check id caught a
deviation, at which level, and whether it failed or was tolerated (non-strict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from routify_suite.conformance.registry import MUST, check_of

if TYPE_CHECKING:
    from routify_suite.conformance.exchange import Exchange

FAIL, NON_STRICT = "fail", "non-strict"

TRANSCRIPTS_PER_CASE = 8
"""A case that sends many requests (concurrency) keeps this many transcripts for the report."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One expectation the target did not meet."""

    check: str
    """Stable check id, e.g. ``stream.done-last``."""
    expected: str
    got: str
    request_id: str | None = None
    rule: str = ""
    """The spec line (or "OpenAI compatibility") the expectation comes from."""
    impact: bool = True
    """For a SHOULD check: True when a client acts on the departure (a wrong value or type, a
    missing field that carries information, an id that changes); False makes it non-strict.
    A MUST finding fails whatever this says."""
    optional: bool = False
    """A Routify extension the openai profile does not require: non-strict, also under --strict."""
    evidence: str = ""
    """What the official openai client made of the same bytes (SHOULD findings), if it ran."""
    level: str = ""
    """MUST or SHOULD: the level of the check (from the registry)."""
    exchange: Exchange | None = field(default=None, compare=False, repr=False)
    """The exchange the finding is about, for the client replay; never serialized."""

    def __post_init__(self) -> None:
        record = check_of(self.check)
        if not self.rule:
            object.__setattr__(self, "rule", record.rule)
        if not self.level:
            object.__setattr__(self, "level", record.level)

    @property
    def strict(self) -> bool:
        """True when the finding fails the case in the default mode."""
        return not self.optional and (self.level == MUST or self.impact)

    def fails(self, strict_mode: bool = False) -> bool:
        """Whether it fails the case; ``--strict`` fails every non-strict but optional findings."""
        return self.strict or (strict_mode and not self.optional)

    def verdict(self, strict_mode: bool = False) -> str:
        return FAIL if self.fails(strict_mode) else NON_STRICT

    def lenient(self) -> Finding:
        """The same finding about a Routify extension in the openai profile."""
        return replace(self, optional=True)

    def tolerated(self) -> Finding:
        """The same finding with no client acting on it (non-strict unless --strict)."""
        return replace(self, impact=False)

    def message(self, strict_mode: bool = False) -> str:
        if self.fails(strict_mode):
            severity = "failed" + (" (--strict)" if not self.strict else "")
        else:
            severity = "tolerated (non-strict)"
        lines = [
            f"[{self.check}] {self.level} check {severity}",
            f"    spec: {self.rule}",
            f"    expected: {self.expected}",
            f"    got: {self.got}",
        ]
        if self.evidence:
            lines.append(f"    client: {self.evidence}")
        lines.append(f"    request id: {self.request_id or '-'}")
        return "\n".join(lines)

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        """What makes two findings the same, however they were judged."""
        return (self.check, self.expected, self.got, self.request_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "level": self.level,
            "expected": self.expected,
            "got": self.got,
            "request_id": self.request_id,
            "rule": self.rule,
            "impact": self.impact,
            "optional": self.optional,
            "evidence": self.evidence,
            "strict": self.strict,
        }


def clip(value: Any, limit: int = 300) -> str:
    """A value short enough to read in a report line."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class CheckFailed(AssertionError):
    """Raised at the end of a case with everything it found."""

    def __init__(self, findings: Iterable[Finding], strict_mode: bool = False) -> None:
        self.findings = list(findings)
        super().__init__("\n".join(finding.message(strict_mode) for finding in self.findings))


class CaseLog:
    """Everything one case did: the request ids it saw and what it found.

    The client appends every exchange's request id, and the error-envelope findings of every
    non-2xx response (checked wherever in the run it happens); the plugin turns the log into the
    case's row in results.json.
    """

    def __init__(self, strict: bool = False) -> None:
        self.request_ids: list[str] = []
        self.findings: list[Finding] = []
        self.ambient: list[Finding] = []
        self.checked: list[str] = []
        self.exchanges: list[dict[str, Any]] = []
        """Wire transcripts (keys masked) of the exchanges the case saw, for the report."""
        self.reconnects: list[str] = []
        """Ids of the exchanges this case used that needed a new connection."""
        self.sent: list[Exchange] = []
        """The exchanges themselves (the first few), for the failure's reproducer."""
        self.reproduce: Exchange | None = None
        """The exchange a failure's reproducer sends; None: the first failing finding's."""
        self.generated: dict[str, Any] = {}
        """What a generated case drew and reports (see conformance/fuzz.py)."""
        self.resent_alone: list[str] = []
        """Ids of the exchanges this case used that were sent again alone (see pool.py)."""
        self.lenient = False
        """True for a Routify-only case in the openai profile: every finding is non-strict."""
        self.strict = strict
        """The run's --strict: every non-strict finding (but the profile's optional ones) fails."""
        self.evidence: Callable[[list[Finding]], list[Finding]] = list
        """Adds the official client's view to new findings (the suite sets client_impact's)."""

    def saw(self, request_id: str | None) -> None:
        if request_id and request_id not in self.request_ids:
            self.request_ids.append(request_id)

    def record(self, transcript: dict[str, Any], exchange: Exchange | None = None) -> None:
        """Keep an exchange's transcript (the first few of a case that sends many)."""
        if len(self.exchanges) < TRANSCRIPTS_PER_CASE and all(
            seen["id"] != transcript["id"] for seen in self.exchanges
        ):
            self.exchanges.append(transcript)
            if exchange is not None:
                self.sent.append(exchange)

    def reproduced(self) -> Exchange | None:
        """The exchange that shows the case's failure: the chosen one, else the first failing
        finding's, else the first the case saw."""
        if self.reproduce is not None:
            return self.reproduce
        for found in self.findings:
            if found.exchange is not None and found.fails(self.strict):
                return found.exchange
        about = [f.exchange for f in self.findings if f.exchange is not None]
        return about[0] if about else (self.sent[0] if self.sent else None)

    def fails(self) -> bool:
        return any(finding.fails(self.strict) for finding in self.findings)

    def absorb(self, findings: Iterable[Finding]) -> None:
        """Add findings not seen yet, judged: the profile, then the official client's view."""
        seen = {f.key for f in self.findings}
        found = [f for f in dict.fromkeys(findings) if f.key not in seen]
        if self.lenient:
            found = [f.lenient() for f in found]
        self.findings.extend(self.evidence(found))

    def reconnected(self, identity: str) -> None:
        if identity not in self.reconnects:
            self.reconnects.append(identity)

    def sent_alone(self, identity: str) -> None:
        if identity not in self.resent_alone:
            self.resent_alone.append(identity)

    def expect(self, findings: Iterable[Finding], checked: Iterable[str] = ()) -> None:
        """Fail the case on a failing finding; report "non-strict" when all are tolerated.

        ``checked`` names the checks the case ran, for the report rows of passing cases.
        """
        import pytest

        self.checked.extend(c for c in checked if c not in self.checked)
        found = list(findings)
        found += [f for f in self.ambient if f not in found]
        self.absorb(found)
        if self.fails():
            raise CheckFailed(self.findings, self.strict)
        if self.findings:
            # xfail, imperatively: the case stops without counting as failed; the plugin maps
            # the "non-strict:" reason to the verdict of that name.
            pytest.xfail("non-strict: " + "; ".join(f"[{f.check}] {f.got}" for f in self.findings))


def not_exercised(why: str) -> None:
    """Skip with the reason the plugin maps to the verdict "not-exercised"."""
    import pytest

    pytest.skip(f"not exercised: {why}")
