"""Concurrency: many requests at once, each well-formed, every completion id its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from routify_suite.conformance import bodies
from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.checks.response import all_response_findings
from routify_suite.conformance.checks.stream import all_stream_findings
from routify_suite.conformance.client import AsyncConformanceClient, Timeouts, log_observer
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import CaseLog, Finding

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


async def _many(
    target: Target, timeouts: Timeouts, stream: bool, case_log: CaseLog
) -> list[Exchange]:
    observer = log_observer(lambda: case_log, target)
    async with AsyncConformanceClient(target, timeouts, observer) as client:
        requests = [
            bodies.body(target, max_tokens=24, stream=stream, messages=[bodies.LONG_ANSWER])
            for _ in range(PARALLEL)
        ]
        label = "concurrent-stream" if stream else "concurrent-json"
        return list(await asyncio.gather(*(client.post(r, label=label) for r in requests)))


def _each(
    checks: Callable[[Exchange, Target], list[Finding]], exchanges: list[Exchange], target: Target
) -> list[Finding]:
    found: list[Finding] = []
    for exchange in exchanges:
        found.extend(f for f in checks(exchange, target) if f not in found)
    return found


@pytest.mark.stream
@pytest.mark.asyncio
async def test_parallel_streams_are_well_formed(
    target: Target, timeouts: Timeouts, case_log: CaseLog
) -> None:
    exchanges = await _many(target, timeouts, True, case_log)
    case_log.expect(_each(all_stream_findings, exchanges, target), checked=["stream.*"])


@pytest.mark.stream
@pytest.mark.asyncio
async def test_parallel_streams_have_unique_ids(
    target: Target, timeouts: Timeouts, case_log: CaseLog
) -> None:
    exchanges = await _many(target, timeouts, True, case_log)
    case_log.expect(unique_id_findings(exchanges), checked=["concurrency.unique-ids"])


@pytest.mark.asyncio
async def test_parallel_responses_are_well_formed_with_unique_ids(
    target: Target, timeouts: Timeouts, case_log: CaseLog
) -> None:
    exchanges = await _many(target, timeouts, False, case_log)
    found = _each(all_response_findings, exchanges, target) + unique_id_findings(exchanges)
    case_log.expect(found, checked=["response.*", "concurrency.unique-ids"])
