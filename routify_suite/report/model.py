"""The run and case records every report is written from (results.json is their JSON form).

results.json is read back by ``routify-suite report`` to build a matrix of several runs, so the
format carries a version and reading it checks what it relies on.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

FORMAT: Final = "routify-suite/results@1"
VERDICTS: Final = ("pass", "fail", "non-strict", "not-exercised")


class ResultsError(ValueError):
    """A results.json that cannot be read; the message is one line."""


@dataclass(slots=True)
class CaseResult:
    """One case's row: verdict, what failed and where the spec says so."""

    id: str
    verdict: str
    group: str = ""
    checks: list[str] = field(default_factory=list)
    """Check ids that failed (or were non-strict) in this case; those it ran when it passed."""
    failed_checks: list[str] = field(default_factory=list)
    rule: str = ""
    expected: str = ""
    got: str = ""
    request_id: str | None = None
    request_ids: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    message: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunResult:
    """A whole run against one target."""

    target: dict[str, Any]
    started_at: float
    duration_s: float
    exit_status: int
    cases: list[CaseResult]
    suite: str = "conformance"
    format: str = FORMAT
    checks: dict[str, dict[str, str]] = field(default_factory=dict)
    """{check id: {"level": "MUST" | "SHOULD", "rule": ...}} of the suite that wrote the run."""

    @property
    def name(self) -> str:
        return str(self.target.get("name") or "?")

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for case in self.cases:
            counts[case.verdict] = counts.get(case.verdict, 0) + 1
        return counts

    def to_json(self) -> str:
        document = asdict(self)
        document["counts"] = self.counts()
        return json.dumps(document, indent=2, sort_keys=False) + "\n"


def load_run(path: Path) -> RunResult:
    """Read results.json (or the results.json inside a report directory)."""
    file = path / "results.json" if path.is_dir() else path
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ResultsError(f"{file}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise ResultsError(f"{file}: not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ResultsError(f"{file}: not a routify-suite results file (format {FORMAT})")
    try:
        cases = [CaseResult(**case) for case in document["cases"]]
        return RunResult(
            target=document["target"],
            started_at=document["started_at"],
            duration_s=document["duration_s"],
            exit_status=document["exit_status"],
            cases=cases,
            suite=document.get("suite", "conformance"),
            checks=document.get("checks", {}),
        )
    except (KeyError, TypeError) as error:
        raise ResultsError(f"{file}: malformed results ({error})") from None
