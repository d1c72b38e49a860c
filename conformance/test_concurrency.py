"""Concurrency: many requests at once, each well-formed, every completion id its own.

Each group of PARALLEL identical requests goes out at the same moment, whatever --concurrency
says, with nothing else in flight; the two stream cases read the same group. The last case reads
what the run's own concurrency did: exchanges that failed among other requests in flight and
were answered in full alone (the cases judged those lone exchanges; see pool.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from routify_suite.conformance import bodies
from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.checks.response import all_response_findings
from routify_suite.conformance.checks.stream import all_stream_findings
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog, Finding
from routify_suite.conformance.plan import Request, planned
from routify_suite.target import Target

pytestmark = pytest.mark.concurrency

PARALLEL = 16


def _id_of(exchange: Exchange) -> str | None:
    if exchange.stream is not None:
        ids = {chunk.get("id") for chunk in exchange.json_chunks}
        return next(iter(ids)) if len(ids) == 1 else None
    ok, value = exchange.document
    return value.get("id") if ok and isinstance(value, dict) else None


def unique_id_findings(exchanges: list[Exchange]) -> list[Finding]:
    seen: dict[str, Exchange] = {}
    found = []
    for exchange in exchanges:
        completion_id = _id_of(exchange)
        if completion_id is None:
            continue
        if completion_id in seen:
            got = f"id {completion_id!r} on two of {len(exchanges)} concurrent completions"
            found.append(finding(exchange, "concurrency.unique-ids", "a distinct id each", got))
        seen[completion_id] = exchange
    return found


def cut_by_others_findings(failed: list[Exchange]) -> list[Finding]:
    """One finding for every exchange that failed among others and passed alone."""
    if not failed:
        return []
    counts = sorted(exchange.in_flight for exchange in failed)
    others = str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]} to {counts[-1]}"
    kinds = ", ".join(sorted({exchange.failure[0] for exchange in failed if exchange.failure}))
    ids = [exchange.request_id or exchange.id for exchange in failed]
    more = len(ids) - ID_LIMIT
    shown = ", ".join(ids[:ID_LIMIT]) + (f" and {more} more" if more > 0 else "")
    got = (
        f"{len(failed)} exchanges failed ({kinds}) while other requests were in flight, each"
        " answered in full when sent again alone"
    )
    evidence = (
        f"cut when {others} other requests were in flight; answered in full alone"
        f" ({len(failed)} exchanges; request ids {shown})"
    )
    expected = "every exchange answered in full, whatever else is in flight"
    check = "concurrency.cut-by-other-requests"
    return [finding(failed[0], check, expected, got, evidence=evidence)]


ID_LIMIT = 12
"""Request ids quoted in the evidence; the transcripts of the first few are in the report."""


def _parallel(target: Target, stream: bool) -> Request:
    body = bodies.body(target, max_tokens=24, stream=stream, messages=[bodies.LONG_ANSWER])
    label = "concurrent-stream" if stream else "concurrent-json"
    return Request(label, body, copies=PARALLEL)


def _each(
    checks: Callable[[Exchange, Target], list[Finding]], exchanges: list[Exchange], target: Target
) -> list[Finding]:
    found: list[Finding] = []
    for exchange in exchanges:
        found.extend(f for f in checks(exchange, target) if f not in found)
    return found


@pytest.mark.stream
@planned(lambda target: [_parallel(target, True)])
def test_parallel_streams_are_well_formed(
    exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    group = exchanges.get_all(_parallel(target, True))
    case_log.expect(_each(all_stream_findings, group, target), checked=["stream.*"])


@pytest.mark.stream
@planned(lambda target: [_parallel(target, True)])
def test_parallel_streams_have_unique_ids(
    exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    group = exchanges.get_all(_parallel(target, True))
    case_log.expect(unique_id_findings(group), checked=["concurrency.unique-ids"])


@planned(lambda target: [_parallel(target, False)])
def test_parallel_responses_are_well_formed_with_unique_ids(
    exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    group = exchanges.get_all(_parallel(target, False))
    found = _each(all_response_findings, group, target) + unique_id_findings(group)
    case_log.expect(found, checked=["response.*", "concurrency.unique-ids"])


@pytest.mark.last
def test_requests_in_flight_do_not_cut_each_other(exchanges: Exchanges, case_log: CaseLog) -> None:
    """No exchange of the run failed only because other requests were in flight beside it (at
    --concurrency 1 only the parallel groups overlap, and those judge themselves: it passes)."""
    exchanges.alone()
    failed = exchanges.failed_among_others()
    case_log.expect(cut_by_others_findings(failed), checked=["concurrency.cut-by-other-requests"])
