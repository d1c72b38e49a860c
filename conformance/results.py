"""From the plugin's per-case rows and case logs to the run record the report writers take."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.registry import CHECKS
from routify_suite.report.model import CaseResult, RunResult
from routify_suite.report.writers import write_all

if TYPE_CHECKING:
    from conformance.plugin import ConformanceSession

SUITE_ERROR_RULE = "The case could not run: an error in its set-up or in the suite itself"


def _case(session: ConformanceSession, nodeid: str) -> CaseResult:
    from conformance.plugin import CASE_LOG

    row = session.rows[nodeid]
    item = session.items[nodeid]
    log = item.stash.get(CASE_LOG, None)
    findings = list(log.findings) if log else []
    redact = session.redact
    failed = list(dict.fromkeys(f.check for f in findings))
    if row.verdict == "fail" and not failed:
        failed = ["suite.error"]
    first = findings[0] if findings else None
    checked = list(log.checked) if log else []
    primary_rule = next((CHECKS[c] for c in checked if c in CHECKS), "")
    markers = sorted({mark.name for mark in item.iter_markers()} - {"parametrize", "asyncio"})
    return CaseResult(
        id=nodeid,
        verdict=row.verdict,
        group=nodeid.split("[")[0],
        checks=failed or checked,
        failed_checks=failed if row.verdict in ("fail", "non-strict") else [],
        rule=first.rule if first else (SUITE_ERROR_RULE if failed else primary_rule),
        expected=redact(first.expected) if first else "",
        got=redact(first.got) if first else "",
        request_id=(first.request_id if first else None)
        or (log.request_ids[0] if log and log.request_ids else None),
        request_ids=list(log.request_ids) if log else [],
        duration_s=round(row.duration_s, 4),
        message=redact(row.message),
        findings=[
            {**f.as_dict(), "expected": redact(f.expected), "got": redact(f.got)} for f in findings
        ],
        markers=markers,
    )


def build_run(session: ConformanceSession, exit_status: int) -> RunResult:
    target = session.target
    described = (
        {
            "name": target.name,
            "base_url": session.redact(target.base_url),
            "profile": target.profile,
            "source": target.source,
        }
        if target
        else {"name": "?", "base_url": "", "profile": "", "source": ""}
    )
    cases = [_case(session, nodeid) for nodeid in session.rows]
    return RunResult(
        target=described,
        started_at=session.started,
        duration_s=round(time.time() - session.started, 3),
        exit_status=int(exit_status),
        cases=cases,
    )


def write_reports(run: RunResult, directory: Path) -> list[Path]:
    return write_all(run, directory)
