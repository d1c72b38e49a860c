"""What the conformance pages and terminal views show, worked out once from the run records.

The templates only lay things out; every decision a reader relies on (the verdict, which checks
failed and how often, which cell of the check × exchange matrix a case lands in, whether runs
differ) is made here, in plain data, so the HTML and the terminal say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from routify_suite.report.model import CaseResult, RunResult

RANK: Final = {"not-exercised": 0, "pass": 1, "not-run": 2, "non-strict": 3, "fail": 4}
SYMBOL: Final = {"pass": "✓", "fail": "✗", "non-strict": "~", "not-exercised": "·", "not-run": "?"}
FAMILY_ORDER: Final = (
    "transport",
    "response",
    "stream",
    "params",
    "error",
    "concurrency",
    "snapshot",
    "suite",
)


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=lambda v: RANK.get(v, 0)) if verdicts else ""


@dataclass(slots=True)
class FailureGroup:
    """One failed (or tolerated) check id with everything needed to judge it."""

    check: str
    verdict: str
    level: str
    rule: str
    expected: str
    got: str
    cases: list[CaseResult] = field(default_factory=list)
    case_keys: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Cell:
    verdict: str
    case_keys: list[str]
    detail: str

    @property
    def symbol(self) -> str:
        return SYMBOL.get(self.verdict, "")


@dataclass(slots=True)
class RunView:
    run: RunResult
    index: int
    failures: list[FailureGroup]
    tolerated: list[FailureGroup]

    @property
    def conforms(self) -> bool:
        return not self.run.failed

    @property
    def verdict(self) -> str:
        return "conforms" if self.conforms else "does not conform"

    @property
    def levels(self) -> dict[str, int]:
        """Failed check ids per level (MUST, SHOULD...), when the run knows levels."""
        counts: dict[str, int] = {}
        for group in self.failures:
            if group.level:
                counts[group.level] = counts.get(group.level, 0) + 1
        return counts

    @property
    def headline(self) -> str:
        """The banner's second half: why, in one line."""
        failed_cases = sum(1 for case in self.run.cases if case.verdict == "fail")
        if self.conforms:
            tolerated = len(self.tolerated)
            extra = f"; {tolerated} check(s) tolerated as non-strict" if tolerated else ""
            return f"every exercised case passed{extra}"
        by_level = ", ".join(f"{n} {level}" for level, n in self.levels.items())
        checks = len(self.failures)
        level_text = f" ({by_level})" if by_level else ""
        if not checks:
            return f"the run ended with exit status {self.run.exit_status}"
        return f"{checks} check(s) failed{level_text} in {failed_cases} case(s)"


def case_key(run_index: int, case_index: int) -> str:
    return f"r{run_index}c{case_index}"


def _groups(run: RunResult, index: int, verdict: str) -> list[FailureGroup]:
    """The check ids of the cases with ``verdict``, one group each, MUST first, then by cases.

    A failing case counts only under the checks whose findings failed it (a finding it also
    tolerated is not a failure); a case that could not run counts under ``suite.error`` with
    its exception's line. The HTML report and the terminal's failure summary both read these."""
    groups: dict[str, FailureGroup] = {}
    for number, case in enumerate(run.cases):
        if case.verdict != verdict:
            continue
        for check, finding in _case_findings(case, verdict):
            group = groups.get(check)
            if group is None:
                group = groups[check] = FailureGroup(
                    check=check,
                    verdict=verdict,
                    level=run.level(check, finding),
                    rule=(finding or {}).get("rule") or run.rule(check) or case.rule,
                    expected=(finding or {}).get("expected", case.expected),
                    got=(finding or {}).get("got", case.got or error_line(case.message)),
                )
            if case not in group.cases:
                group.cases.append(case)
                group.case_keys.append(case_key(index, number))
            request_id = (finding or {}).get("request_id") or case.request_id
            if request_id and request_id not in group.request_ids:
                group.request_ids.append(request_id)
            if case.kind and case.kind not in group.kinds:
                group.kinds.append(case.kind)
    level_rank = {"MUST": 0, "SHOULD": 1}
    return sorted(
        groups.values(), key=lambda g: (level_rank.get(g.level, 2), -len(g.cases), g.check)
    )


def _case_findings(case: CaseResult, verdict: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(check id, its first finding) for each check a case of ``verdict`` is grouped under."""
    if verdict == "fail":
        failing = [f for f in case.findings if f.get("verdict", "fail") == "fail"]
        if failing:
            return [(str(f["check"]), f) for f in failing]
    checks = case.failed_checks or ["suite.error"]
    return [(c, next((f for f in case.findings if f.get("check") == c), None)) for c in checks]


def error_line(text: str) -> str:
    """The exception of a pytest failure text (its last ``E   `` line), else its last line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line.removeprefix("E").strip() for line in lines if line.startswith("E ")]
    return (errors or lines or [""])[-1]


def run_view(run: RunResult, index: int = 0) -> RunView:
    return RunView(run, index, _groups(run, index, "fail"), _groups(run, index, "non-strict"))


def _family(check: str) -> int:
    prefix = check.split(".")[0]
    return FAMILY_ORDER.index(prefix) if prefix in FAMILY_ORDER else len(FAMILY_ORDER)


def _order(runs: list[RunResult]) -> tuple[list[str], list[str]]:
    """(rows, columns): check ids by family, then columns in the first run's order."""
    rows = {row for run in runs for case in run.cases for row in case.rows}
    rows = sorted(rows, key=lambda c: (_family(c), c))
    columns: list[str] = []
    for run in runs:
        for column in [*run.columns, *(case.kind or "other" for case in run.cases)]:
            if column not in columns:
                columns.append(column)
    return rows, columns


@dataclass(slots=True)
class Matrix:
    """Check ids × kinds of exchange, one cell per run in each column group."""

    rows: list[str]
    columns: list[str]
    cells: list[dict[tuple[str, str], Cell]]
    """Per run: (row, column) -> cell."""

    def cell(self, run: int, row: str, column: str) -> Cell | None:
        return self.cells[run].get((row, column))

    def differs(self, row: str) -> bool:
        """True when some column has a different verdict in some run (absent counts)."""
        for column in self.columns:
            verdicts = {
                (cell.verdict if (cell := cells.get((row, column))) else "") for cells in self.cells
            }
            if len(verdicts) > 1:
                return True
        return False

    def row_verdict(self, run: int, row: str) -> str:
        return worst([c.verdict for (r, _), c in self.cells[run].items() if r == row])


def verdict_in_row(case: CaseResult, row: str) -> str:
    """The case's verdict as the row's check sees it: a case that failed another check only
    (say, the error envelope of a status check) is red in that check's row, not in this one."""
    if row in case.failed_checks or case.verdict in ("pass", "not-exercised", "not-run"):
        return case.verdict
    return "pass"


def build_matrix(runs: list[RunResult]) -> Matrix:
    rows, columns = _order(runs)
    cells: list[dict[tuple[str, str], Cell]] = []
    for run_index, run in enumerate(runs):
        placed: dict[tuple[str, str], list[tuple[str, CaseResult]]] = {}
        for number, case in enumerate(run.cases):
            for row in case.rows:
                placed.setdefault((row, case.kind or "other"), []).append(
                    (case_key(run_index, number), case)
                )
        run_cells = {}
        for spot, cases in placed.items():
            verdicts = [verdict_in_row(case, spot[0]) for _, case in cases]
            verdict = worst(verdicts)
            counts = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
            detail = ", ".join(f"{n} {v}" for v, n in counts.items())
            run_cells[spot] = Cell(verdict, [key for key, _ in cases], detail)
        cells.append(run_cells)
    return Matrix(rows, columns, cells)


def transcripts_of(run: RunResult, case: CaseResult) -> list[dict[str, Any]]:
    return [run.exchanges[x] for x in case.exchanges if x in run.exchanges]
