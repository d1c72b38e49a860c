"""Concurrency: many requests at once, each well-formed, every completion id its own.

Each group of PARALLEL identical requests goes out at the same moment, whatever --concurrency
says, with nothing else in flight; the two stream cases read the same group.
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
