"""The client over real HTTP: tiny writes parse, stalls and cuts fail fast, errors are seen.

A small Starlette app plays the server: it replays recorded transcripts in 3-byte writes,
stalls, cuts a stream off, or answers with an HTML error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from routify_suite.conformance.checks.stream import all_stream_findings
from routify_suite.conformance.client import (
    AsyncConformanceClient,
    ConformanceClient,
    Timeouts,
    log_observer,
)
from routify_suite.conformance.findings import CaseLog
from routify_suite.probe import probe
from routify_suite.server import RunningServer
from routify_suite.target import Target
from tests.conformance_helpers import (
    RECORDED_AT,
    STREAM_REQUEST,
    local_target,
    serving,
    transcripts,
)
from tests.mutation.relay import closing_relay

LEGAL = transcripts("legal-")
IDLE_S = 0.4
REQUEST_S = 20.0
"""Far above IDLE_S, so a stall that ends by the request timeout instead shows in the time."""


def _fresh(data: bytes) -> bytes:
    """The transcript with ``created`` moved to now (the checks compare it with the clock)."""
    return data.replace(str(RECORDED_AT).encode(), str(int(time.time())).encode())


async def _tiny_writes(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 3):
        yield data[start : start + 3]


async def _stall(data: bytes) -> AsyncIterator[bytes]:
    yield data[: data.index(b"\n\n") + 2]
    await asyncio.Event().wait()  # never set: the client's idle timeout must end this


async def _cut(data: bytes) -> AsyncIterator[bytes]:
    yield data[: data.index(b"\n\n") + 2]
    raise RuntimeError("connection cut on purpose")


async def _drip(data: bytes) -> AsyncIterator[bytes]:
    yield data[: data.index(b"\n\n") + 2]
    while True:  # a comment every 50 ms: never idle, never done; the deadline must end this
        yield b": still here\n\n"
        await asyncio.sleep(0.05)


LATE_HEADERS_S = IDLE_S * 3
"""How long the "late" scenario holds its headers: past the idle timeout, within the request's."""


async def chat(request: Request) -> Response:
    scenario = request.path_params["scenario"]
    if scenario == "no-answer":
        await asyncio.Event().wait()  # never set: the client's request timeout must end this
    if scenario.startswith("late:"):  # a gateway that answers at the model's first token
        await asyncio.sleep(LATE_HEADERS_S)
        scenario = scenario.replace("late:", "tiny:", 1)
    if scenario == "html-error":
        return Response("<html><h1>400 Bad Request</h1></html>", 400, media_type="text/html")
    kind, _, name = scenario.partition(":")
    data = _fresh((Path(LEGAL[0]).parent / f"{name}.sse").read_bytes())
    writer = {"tiny": _tiny_writes, "stall": _stall, "cut": _cut, "drip": _drip}[kind]
    return StreamingResponse(writer(data), media_type="text/event-stream")


APP = Starlette(routes=[Route("/{scenario}/v1/chat/completions", chat, methods=["POST"])])


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    with serving(APP) as url:
        yield url


def _client(url: str, scenario: str, log: CaseLog | None = None) -> ConformanceClient:
    target = local_target().with_overrides(base_url=f"{url}/{scenario}/v1")
    observer = log_observer(lambda: log) if log else None
    timeouts = Timeouts(connect=2, request=REQUEST_S, stream_idle=IDLE_S)
    return ConformanceClient(target, timeouts, observer)


@pytest.mark.parametrize("path", LEGAL, ids=lambda p: p.stem)
def test_legal_stream_in_tiny_writes_passes(fake_url: str, path: Path) -> None:
    with _client(fake_url, f"tiny:{path.stem}") as client:
        exchange = client.post(STREAM_REQUEST)
    assert exchange.failure is None
    assert all_stream_findings(exchange, client.target) == []


def test_stalled_stream_fails_within_the_idle_timeout(fake_url: str) -> None:
    started = time.perf_counter()
    with _client(fake_url, "stall:legal-reference-server") as client:
        exchange = client.post(STREAM_REQUEST)
    elapsed = time.perf_counter() - started
    assert elapsed < REQUEST_S / 2
    assert exchange.failure is not None
    assert exchange.failure[0] == "stream.idle-timeout"
    checks = {f.check for f in all_stream_findings(exchange, client.target)}
    assert checks == {"stream.idle-timeout"}


def test_stream_headers_may_come_later_than_the_idle_timeout(fake_url: str) -> None:
    """Until its headers a stream waits as long as any request; only then is silence idle."""
    started = time.perf_counter()
    with _client(fake_url, "late:legal-reference-server") as client:
        exchange = client.post(STREAM_REQUEST)
    assert time.perf_counter() - started >= LATE_HEADERS_S
    assert (exchange.status, exchange.failure) == (200, None)
    assert exchange.stream is not None
    assert exchange.stream.ended == "eof"
    assert all_stream_findings(exchange, client.target) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("scenario", "failure"),
    [
        ("late:legal-reference-server", None),
        ("stall:legal-reference-server", "stream.idle-timeout"),
    ],
    ids=["late-headers", "stalled-body"],
)
async def test_async_client_times_headers_and_body_apart(
    fake_url: str, scenario: str, failure: str | None
) -> None:
    target = local_target().with_overrides(base_url=f"{fake_url}/{scenario}/v1")
    timeouts = Timeouts(connect=2, request=REQUEST_S, stream_idle=IDLE_S)
    started = time.perf_counter()
    async with AsyncConformanceClient(target, timeouts) as client:
        exchange = await client.post(STREAM_REQUEST)
    assert time.perf_counter() - started < REQUEST_S / 2
    assert exchange.status == 200
    assert (exchange.failure or (None,))[0] == failure


def test_cut_stream_fails_as_cut(fake_url: str) -> None:
    with _client(fake_url, "cut:legal-reference-server") as client:
        exchange = client.post(STREAM_REQUEST)
    assert exchange.failure is not None
    assert exchange.failure[0] == "stream.cut"


def test_unanswered_request_fails_as_a_timeout(fake_url: str) -> None:
    target = local_target().with_overrides(base_url=f"{fake_url}/no-answer/v1")
    with ConformanceClient(target, Timeouts(connect=2, request=0.3, stream_idle=IDLE_S)) as client:
        exchange = client.post({**STREAM_REQUEST, "stream": False})
    assert exchange.failure is not None
    assert exchange.failure[0] == "transport.timeout"


def test_dripping_stream_fails_at_the_deadline(fake_url: str) -> None:
    target = local_target().with_overrides(base_url=f"{fake_url}/drip:legal-reference-server/v1")
    timeouts = Timeouts(connect=2, request=5, stream_idle=IDLE_S, stream_deadline=0.5)
    with ConformanceClient(target, timeouts) as client:
        exchange = client.post(STREAM_REQUEST)
    assert exchange.failure is not None
    assert exchange.failure[0] == "stream.deadline"


def test_every_non_2xx_is_checked_for_the_envelope(fake_url: str) -> None:
    log = CaseLog()
    with _client(fake_url, "html-error", log) as client:
        exchange = client.post({**STREAM_REQUEST, "stream": False})
    assert exchange.status == 400
    assert {f.check for f in log.ambient} == {"error.content-type", "error.envelope"}


def test_unreachable_target_is_a_transport_finding_and_one_line() -> None:
    target: Target = local_target().with_overrides(base_url="http://127.0.0.1:9/v1")
    with ConformanceClient(target, Timeouts(connect=1, request=2, stream_idle=1)) as client:
        exchange = client.post(STREAM_REQUEST)
    assert exchange.failure is not None
    assert exchange.failure[0] == "transport.connect"
    message = probe("http://127.0.0.1:9/v1", connect_timeout=1)
    assert message is not None
    assert "\n" not in message
    assert message.startswith("cannot reach http://127.0.0.1:9/v1/chat/completions")


@pytest.fixture(scope="module")
def upstream_root(reference_server: RunningServer) -> str:
    return reference_server.base_url.rsplit("/v1", 1)[0]


def _through(url: str, log: CaseLog | None = None) -> ConformanceClient:
    target = local_target().with_overrides(base_url=f"{url}/v1")
    observer = log_observer(lambda: log) if log else None
    return ConformanceClient(target, Timeouts(connect=2, request=5, stream_idle=5), observer)


def test_kept_alive_connection_closed_by_the_server_is_sent_again(upstream_root: str) -> None:
    """The server closes each connection after one response: every exchange still succeeds."""
    log = CaseLog()
    with closing_relay(upstream_root) as (url, relay), _through(url, log) as client:
        exchanges = [
            client.post(request)
            for request in (STREAM_REQUEST, {**STREAM_REQUEST, "stream": False}) * 2
        ]
    assert [(e.status, e.failure) for e in exchanges] == [(200, None)] * 4
    assert all(e.stream.ended == "eof" for e in exchanges if e.stream)
    assert relay.closed_reused >= 1
    reconnected = [e for e in exchanges if e.reconnects]
    assert len(reconnected) == relay.closed_reused
    assert log.reconnects == [e.id for e in reconnected]


def test_new_connection_closed_without_a_response_is_a_failure(upstream_root: str) -> None:
    with closing_relay(upstream_root, answer_limit=0) as (url, _), _through(url) as client:
        exchange = client.post(STREAM_REQUEST)
    assert exchange.reconnects == 0
    assert exchange.failure is not None
    assert exchange.failure[0] == "transport.protocol"


def test_a_retry_that_fails_again_is_a_failure(upstream_root: str) -> None:
    with closing_relay(upstream_root, answer_limit=1) as (url, _), _through(url) as client:
        first, second = client.post(STREAM_REQUEST), client.post(STREAM_REQUEST)
    assert first.failure is None
    assert second.reconnects == 1
    assert second.failure is not None
    assert second.failure[0] == "transport.protocol"


@pytest.mark.asyncio
async def test_async_client_sends_again_on_a_closed_kept_alive_connection(
    upstream_root: str,
) -> None:
    with closing_relay(upstream_root) as (url, relay):
        target = local_target().with_overrides(base_url=f"{url}/v1")
        async with AsyncConformanceClient(target, Timeouts(stream_idle=5)) as client:
            exchanges = [await client.post(STREAM_REQUEST) for _ in range(3)]
    assert [(e.status, e.failure) for e in exchanges] == [(200, None)] * 3
    assert sum(e.reconnects for e in exchanges) == relay.closed_reused >= 1
