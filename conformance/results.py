"""From the plugin's per-case rows to the run record the report writers take."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from routify_suite.conformance.columns import column_order, placement
from routify_suite.conformance.registry import CHECKS, checks_table
from routify_suite.conformance.rows import Row
from routify_suite.keepalive import REUSED_CONNECTION_NOTE
from routify_suite.report.model import CaseResult, RunResult
from routify_suite.report.writers import write_all

SUITE_ERROR_RULE = "The case could not run: an error in its set-up or in the suite itself"


def case_result(nodeid: str, row: Row) -> CaseResult:
    findings = row.findings
    failed = list(dict.fromkeys(f["check"] for f in findings))
    if row.verdict == "fail" and not failed:
        failed = ["suite.error"]
    first = findings[0] if findings else None
    primary_rule = next((CHECKS[c].rule for c in row.checked if c in CHECKS), "")
    kind, own_check = placement(nodeid)
    return CaseResult(
        id=nodeid,
        verdict=row.verdict,
        group=nodeid.split("[")[0],
        checks=failed or list(row.checked),
        failed_checks=failed if row.verdict in ("fail", "non-strict") else [],
        rule=first["rule"] if first else (SUITE_ERROR_RULE if failed else primary_rule),
        expected=first["expected"] if first else "",
        got=first["got"] if first else "",
        request_id=(first["request_id"] if first else None)
        or (row.request_ids[0] if row.request_ids else None),
        request_ids=list(row.request_ids),
        duration_s=round(row.duration_s, 4),
        message=row.message,
        findings=list(findings),
        markers=list(row.markers),
        kind=kind,
        row=row.checked[0] if row.checked and own_check == "suite.error" else own_check,
        exchanges=[exchange["id"] for exchange in row.exchanges],
        reproducer=row.reproducer if row.verdict in ("fail", "non-strict") else "",
        generated=dict(row.generated),
    )


def build_run(
    rows: dict[str, Row], described: dict[str, Any], started: float, exit_status: int
) -> RunResult:
    """The run record: the target as described, timing, one result per case row, the check
    table, the matrix columns and the wire transcripts the cases point at."""
    described = described or {"name": "?", "base_url": "", "profile": "", "source": ""}
    cases = [case_result(nodeid, row) for nodeid, row in rows.items()]
    exchanges = {exchange["id"]: exchange for row in rows.values() for exchange in row.exchanges}
    return RunResult(
        target=dict(described),
        started_at=started,
        duration_s=round(time.time() - started, 3),
        exit_status=int(exit_status),
        cases=cases,
        checks=checks_table(),
        columns=column_order({case.kind for case in cases}),
        exchanges=exchanges,
        reconnects=_count(rows, "reconnects"),
        resent_alone=_count(rows, "resent_alone"),
        notes=run_notes(rows),
    )


def _count(rows: dict[str, Row], kind: str) -> int:
    """Distinct exchanges listed under ``kind`` (reconnects, resent_alone) in any row."""
    return len({identity for row in rows.values() for identity in getattr(row, kind)})


def run_notes(rows: dict[str, Row]) -> list[str]:
    """What the server did that is no verdict of a case, for results.json and the terminal."""
    notes = []
    reconnects = _count(rows, "reconnects")
    if reconnects:
        notes.append(f"{REUSED_CONNECTION_NOTE} ({reconnects} requests retried)")
    alone = _count(rows, "resent_alone")
    if alone:
        notes.append(
            f"failed {alone} exchanges at the transport or stream level while other requests"
            " were in flight; each was sent again alone and its case judged on that"
            " (see concurrency.cut-by-other-requests)"
        )
    return notes


def write_reports(run: RunResult, directory: Path) -> list[Path]:
    return write_all(run, directory)
