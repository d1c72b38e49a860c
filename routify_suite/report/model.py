"""The run and case records every report is written from (results.json is their JSON form).

results.json is read back by ``routify-suite report`` to build a matrix of several runs, so the
format carries a version and reading it checks what it relies on.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Final

FORMAT: Final = "routify-suite/results@1"
VERDICTS: Final = ("pass", "fail", "non-strict", "not-exercised", "not-run")


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
    kind: str = ""
    """The kind of exchange the case looks at: its column in the check × exchange matrix."""
    row: str = ""
    """The check the case runs by design: its row in the matrix (failed checks add rows)."""
    exchanges: list[str] = field(default_factory=list)
    """Ids of the exchanges it saw, keys of :attr:`RunResult.exchanges`."""
    reproducer: str = ""
    """A shell command (curl) that sends the failing request again; "" when there is none."""
    generated: dict[str, Any] = field(default_factory=dict)
    """A generated case (--fuzz): kind, index, seed, count, breaks, the body reported (shrunk)
    and how it was shrunk; what ``--replay`` reads back. Empty for the fixed cases."""

    @property
    def rows(self) -> list[str]:
        """Every matrix row the case shows in: its own check and any check it failed."""
        return list(dict.fromkeys([*([self.row] if self.row else []), *self.failed_checks]))


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
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Check id -> {"rule", "level"?}: the suite's check table, so the report quotes rules."""
    columns: list[str] = field(default_factory=list)
    """The matrix columns (kinds of exchange) in the order the suite wants them shown."""
    exchanges: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Exchange id -> wire transcript (keys masked), shared by the cases that saw it."""
    reconnects: int = 0
    """Requests sent again because the server had closed the kept-alive connection they reused."""
    resent_alone: int = 0
    """Exchanges sent again alone after failing (cut, reset, stall) among other requests."""
    notes: list[str] = field(default_factory=list)
    """Informational notes on the server that are no verdict (e.g. its connection handling)."""

    @property
    def name(self) -> str:
        return str(self.target.get("name") or "?")

    @property
    def failed(self) -> bool:
        return self.exit_status != 0 or any(case.verdict == "fail" for case in self.cases)

    def rule(self, check: str) -> str:
        return str(self.checks.get(check, {}).get("rule", ""))

    def level(self, check: str, finding: dict[str, Any] | None = None) -> str:
        """MUST / SHOULD ... from the finding, else the check table; "" when the run has none."""
        if finding and finding.get("level"):
            return str(finding["level"])
        return str(self.checks.get(check, {}).get("level", ""))

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for case in self.cases:
            counts[case.verdict] = counts.get(case.verdict, 0) + 1
        return counts

    def to_json(self) -> str:
        document = asdict(self)
        document["counts"] = self.counts()
        return json.dumps(document, indent=2, sort_keys=False) + "\n"


def read_document(file: Path, error_type: type[ValueError]) -> Any:
    """A run's JSON file; ``error_type`` with a one-line message when unreadable or not JSON."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise error_type(f"{file}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise error_type(f"{file}: not JSON ({error})") from None


def load_run(path: Path) -> RunResult:
    """Read results.json (or the results.json inside a report directory)."""
    file = path / "results.json" if path.is_dir() else path
    document = read_document(file, ResultsError)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ResultsError(f"{file}: not a routify-suite results file (format {FORMAT})")
    known = {f.name for f in fields(CaseResult)}
    try:
        cases = [
            CaseResult(**{k: v for k, v in case.items() if k in known})
            for case in document["cases"]
        ]
        return RunResult(
            target=document["target"],
            started_at=document["started_at"],
            duration_s=document["duration_s"],
            exit_status=document["exit_status"],
            cases=cases,
            suite=document.get("suite", "conformance"),
            checks=dict(document.get("checks") or {}),
            columns=list(document.get("columns") or []),
            exchanges=dict(document.get("exchanges") or {}),
            reconnects=int(document.get("reconnects", 0)),
            resent_alone=int(document.get("resent_alone", 0)),
            notes=list(document.get("notes", [])),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ResultsError(f"{file}: malformed results ({error})") from None
