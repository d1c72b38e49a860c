"""What a failed check reports, and the exception that carries it out of a case.

A case never asserts with a bare ``assert``: it collects :class:`Finding` objects (check id,
spec rule, expected, got, request id) and hands them to :func:`expect`. The plugin reads them
back off the exception, so results.json can say which stable check id caught a deviation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from routify_suite.conformance.registry import rule_of

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
    strict: bool = True
    """False: a tolerated deviation, reported with the verdict "non-strict", not "fail"."""

    def __post_init__(self) -> None:
        if not self.rule:
            object.__setattr__(self, "rule", rule_of(self.check))

    def lenient(self) -> Finding:
        return replace(self, strict=False)

    def message(self) -> str:
        severity = "tolerated (non-strict)" if not self.strict else "failed"
        return (
            f"[{self.check}] check {severity}\n"
            f"    spec: {self.rule}\n"
            f"    expected: {self.expected}\n"
            f"    got: {self.got}\n"
            f"    request id: {self.request_id or '-'}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def clip(value: Any, limit: int = 300) -> str:
    """A value short enough to read in a report line."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class CheckFailed(AssertionError):
    """Raised at the end of a case with everything it found."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = list(findings)
        super().__init__("\n".join(finding.message() for finding in self.findings))


class CaseLog:
    """Everything one case did: the request ids it saw and what it found.

    The client appends every exchange's request id, and the error-envelope findings of every
    non-2xx response (checked wherever in the run it happens); the plugin turns the log into the
    case's row in results.json.
    """

    def __init__(self) -> None:
        self.request_ids: list[str] = []
        self.findings: list[Finding] = []
        self.ambient: list[Finding] = []
        self.checked: list[str] = []
        self.exchanges: list[dict[str, Any]] = []
        """Wire transcripts (keys masked) of the exchanges the case saw, for the report."""
        self.lenient = False
        """True for a Routify-only case in the openai profile: every finding is non-strict."""

    def saw(self, request_id: str | None) -> None:
        if request_id and request_id not in self.request_ids:
            self.request_ids.append(request_id)

    def record(self, transcript: dict[str, Any]) -> None:
        """Keep an exchange's transcript (the first few of a case that sends many)."""
        if len(self.exchanges) < TRANSCRIPTS_PER_CASE and all(
            seen["id"] != transcript["id"] for seen in self.exchanges
        ):
            self.exchanges.append(transcript)

    def expect(self, findings: Iterable[Finding], checked: Iterable[str] = ()) -> None:
        """Fail the case on a strict finding; report "non-strict" when all are lenient.

        ``checked`` names the checks the case ran, for the report rows of passing cases.
        """
        import pytest

        self.checked.extend(c for c in checked if c not in self.checked)
        found = [f for f in findings if f not in self.findings]
        found += [f for f in self.ambient if f not in found and f not in self.findings]
        if self.lenient:
            found = [f.lenient() for f in found]
        self.findings.extend(found)
        if any(finding.strict for finding in self.findings):
            raise CheckFailed(self.findings)
        if self.findings:
            # xfail, imperatively: the case stops without counting as failed; the plugin maps
            # the "non-strict:" reason to the verdict of that name.
            pytest.xfail("non-strict: " + "; ".join(f"[{f.check}] {f.got}" for f in self.findings))


def not_exercised(why: str) -> None:
    """Skip with the reason the plugin maps to the verdict "not-exercised"."""
    import pytest

    pytest.skip(f"not exercised: {why}")
