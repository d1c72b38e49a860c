"""Snapshots: the normalized shape of each kind of response, compared with the recorded one.

A difference is drift between releases of a server, not by itself a breach of the spec (the
schema checks judge that), so it gives the verdict "non-strict". Record new shapes with
``routify-suite conformance -- -m snapshot --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from routify_suite import schemas
from routify_suite.conformance import bodies
from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog
from routify_suite.conformance.kinds import RESPONSE_KINDS, STREAM_KINDS, kind_request
from routify_suite.conformance.plan import Request, planned
from routify_suite.conformance.shape import shape_of, stream_shape
from routify_suite.target import Target

pytestmark = pytest.mark.snapshot

KINDS = {kind.name: kind for kind in RESPONSE_KINDS}
STREAMS = {kind.name: kind for kind in STREAM_KINDS}
ERRORS = {
    "400-invalid-body": (lambda t: bodies.body(t, temperature=5), ""),
    "401-unknown-key": (lambda t: bodies.body(t), "rtf_unknown_0000"),
    "404-unknown-model": (lambda t: bodies.body(t, model="no-such-model-conformance"), ""),
}


def _compare(snapshot: SnapshotAssertion, shape: Any, case_log: CaseLog, exchange: Any) -> None:
    if snapshot == shape:
        case_log.expect([], checked=["snapshot.shape"])
        return
    found = finding(
        exchange, "snapshot.shape", "the recorded shape", f"shape {shape!r}", impact=False
    )
    case_log.expect([found], checked=["snapshot.shape"])


def _error_request(kind: str, target: Target) -> Request:
    build, key = ERRORS[kind]
    return Request(f"error:{kind}", build(target), key=key or "")


@pytest.mark.response
@planned(lambda target, kind: [kind_request(KINDS[kind], "response", target)])
@pytest.mark.parametrize("kind", ["plain", "tool-call"])
def test_response_shape(
    kind: str,
    snapshot: SnapshotAssertion,
    exchanges: Exchanges,
    target: Target,
    case_log: CaseLog,
) -> None:
    exchange = exchanges.get(kind_request(KINDS[kind], "response", target))
    ok, document = exchange.document
    _compare(snapshot, shape_of(schemas.RESPONSE, document) if ok else None, case_log, exchange)


@pytest.mark.stream
@planned(lambda target, kind: [kind_request(STREAMS[kind], "stream", target)])
@pytest.mark.parametrize("kind", ["plain", "include-usage", "tool-call"])
def test_stream_shape(
    kind: str,
    snapshot: SnapshotAssertion,
    exchanges: Exchanges,
    target: Target,
    case_log: CaseLog,
) -> None:
    exchange = exchanges.get(kind_request(STREAMS[kind], "stream", target))
    _compare(snapshot, stream_shape(exchange.json_chunks), case_log, exchange)


@pytest.mark.errors
@planned(lambda target, kind: [_error_request(kind, target)])
@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_error_shape(
    kind: str, snapshot: SnapshotAssertion, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_error_request(kind, target))
    ok, document = exchange.document
    shape = {"status": exchange.status, "body": shape_of(schemas.ERROR, document) if ok else None}
    _compare(snapshot, shape, case_log, exchange)
