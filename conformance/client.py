"""The HTTP client every case uses: timeouts on everything, streams read under an idle timeout.

httpx's read timeout applies to each read from the socket: the request timeout up to the headers,
then, for a stream's body, exactly an idle timeout; a separate deadline bounds a stream that keeps
dripping. Nothing here raises for what
the server does: a refused connection, a stall or a cut becomes ``Exchange.failure``. Every
exchange is reported to the current case's log, and every non-2xx response is checked for the
error envelope on the spot, wherever in the run it happens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from routify_suite.conformance.exchange import (
    END_CUT,
    END_DEADLINE,
    END_EOF,
    END_IDLE,
    Exchange,
    StreamCapture,
    now,
)
from routify_suite.conformance.findings import CaseLog
from routify_suite.conformance.transcript import new_exchange_id, transcript
from routify_suite.keepalive import ConnectionTrace, stale_connection
from routify_suite.target import Target

BODY_LIMIT = 1 << 20
"""Bytes of a body kept for the checks; more is read and dropped."""
USER_AGENT = "routify-suite-conformance"


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    request: float = 30.0
    stream_idle: float = 10.0
    stream_deadline: float = 60.0

    def for_request(self) -> httpx.Timeout:
        """Up to the response's headers, a stream waits as long as any request: a gateway may
        hold its headers until the model's first token (see :func:`idle_from_now`)."""
        return httpx.Timeout(
            connect=self.connect, read=self.request, write=self.request, pool=self.request
        )


def idle_from_now(response: httpx.Response, idle_s: float) -> None:
    """From the headers on, a stream's read timeout is its idle timeout (the longest silence
    allowed between two of its bytes).

    httpx takes one read timeout per request; httpcore reads it from the request's ``timeout``
    extension once when the body starts, so changing it here applies to the body alone.
    tests/test_conformance_client.py holds both halves: late headers pass, a silent body fails.
    """
    response.request.extensions["timeout"]["read"] = idle_s


Observer = Callable[[Exchange], None]
StreamWatcher = Callable[[StreamCapture], None]
"""Told when a 200 stream starts to be read (the concurrency gate watches its silence)."""


def build_request(
    body: Any, key: str | None, headers: Mapping[str, str] | None
) -> tuple[dict[str, str], bytes]:
    """Headers and content for a body: JSON for objects, raw bytes sent as they are."""
    sent = {"user-agent": USER_AGENT, "content-type": "application/json"}
    if key is not None:
        sent["authorization"] = f"Bearer {key}"
    sent.update(headers or {})
    if isinstance(body, bytes):
        return sent, body
    import json

    return sent, json.dumps(body).encode()


def _failure_of(error: httpx.HTTPError) -> tuple[str, str]:
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return "transport.connect", f"cannot connect: {error or type(error).__name__}"
    if isinstance(error, httpx.TimeoutException):
        return "transport.timeout", f"{type(error).__name__}: no response within the timeout"
    return "transport.protocol", f"{type(error).__name__}: {error}"


def _fail(exchange: Exchange, error: httpx.HTTPError) -> None:
    """A transport error is the exchange's failure, unless it cut a stream (the capture says)."""
    if exchange.stream is None:
        exchange.failure = _failure_of(error)


def stream_failure(capture: StreamCapture) -> tuple[str, str] | None:
    """(check id, what happened) for a stream that stalled, was cut or ran past its deadline."""
    check = {
        END_IDLE: "stream.idle-timeout",
        END_CUT: "stream.cut",
        END_DEADLINE: "stream.deadline",
    }.get(capture.ended)
    return (check, capture.detail) if check else None


@contextlib.contextmanager
def _reading(capture: StreamCapture, timeouts: Timeouts) -> Iterator[None]:
    """Around a stream's body loop (sync or async): records how the stream ended, at its end of
    file, on a silence (httpx's read timeout) or a cut, unless the loop ended it at the deadline."""
    try:
        yield
    except httpx.ReadTimeout:
        capture.finish(END_IDLE, f"no bytes for {timeouts.stream_idle:g} s")
    except httpx.HTTPError as error:
        capture.finish(END_CUT, f"{type(error).__name__}: {error}")
    else:
        if not capture.ended:
            capture.finish(END_EOF)


class _Base:
    def __init__(self, target: Target, timeouts: Timeouts, observer: Observer | None) -> None:
        self.target = target
        self.timeouts = timeouts
        self.observer = observer
        self.stream_watcher: StreamWatcher | None = None

    def _start(
        self, label: str, body: Any, key: str | None, headers: Mapping[str, str] | None
    ) -> tuple[Exchange, float, bytes]:
        """The exchange about to be sent (its headers are the ones sent), its start, its body;
        ``key=""`` means the target's valid key, ``None`` no Authorization."""
        key = self.target.keys["valid"] if key == "" else key
        sent_headers, content = build_request(body, key, headers)
        started = time.perf_counter()
        exchange = Exchange(
            label=label,
            request=body,
            sent_at=now(),
            id=new_exchange_id(),
            started=started,
            sent_headers=sent_headers,
        )
        return exchange, started, content

    def _done(self, exchange: Exchange, started: float) -> Exchange:
        exchange.duration_s = time.perf_counter() - started
        if exchange.stream:
            exchange.failure = stream_failure(exchange.stream)
        if self.observer:
            self.observer(exchange)
        return exchange

    @staticmethod
    def _reconnecting(exchange: Exchange, error: httpx.HTTPError, trace: ConnectionTrace) -> bool:
        """A reused connection closed before any response byte: count it and retry once."""
        if exchange.status is not None or not stale_connection(error, trace):
            return False
        exchange.reconnects += 1
        trace.connected = False
        return True

    def _begin(
        self, exchange: Exchange, response: httpx.Response, started: float
    ) -> StreamCapture | None:
        """The headers came: record them; for a 200 stream, the capture its body is read into,
        from now on under the idle timeout (None: the body is read whole)."""
        exchange.status, exchange.headers = response.status_code, response.headers
        if not (exchange.wants_stream and response.status_code == 200):
            return None
        idle_from_now(response, self.timeouts.stream_idle)
        deadline = started + self.timeouts.stream_deadline
        exchange.stream = StreamCapture(deadline=deadline, keep_limit=BODY_LIMIT)
        if self.stream_watcher:
            self.stream_watcher(exchange.stream)
        return exchange.stream


class ConformanceClient(_Base):
    """Synchronous client for the ordinary cases."""

    def __init__(
        self, target: Target, timeouts: Timeouts, observer: Observer | None = None
    ) -> None:
        super().__init__(target, timeouts, observer)
        self._http = httpx.Client(follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ConformanceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def post(
        self,
        body: Any,
        key: str | None = "",
        headers: Mapping[str, str] | None = None,
        label: str = "",
    ) -> Exchange:
        """POST ``body``; ``key=""`` means the target's valid key, ``None`` no Authorization."""
        exchange, started, content = self._start(label, body, key, headers)
        trace = ConnectionTrace()
        try:
            self._attempt(self._http, exchange, started, content, trace)
        except httpx.HTTPError as error:
            if not self._reconnecting(exchange, error, trace):
                _fail(exchange, error)
            else:
                # Once, on a connection of its own; the retry's time counts in the exchange's.
                with httpx.Client(follow_redirects=False) as fresh:
                    try:
                        self._attempt(fresh, exchange, started, content, trace)
                    except httpx.HTTPError as again:
                        _fail(exchange, again)
        return self._done(exchange, started)

    def _attempt(
        self,
        http: httpx.Client,
        exchange: Exchange,
        started: float,
        content: bytes,
        trace: ConnectionTrace,
    ) -> None:
        with http.stream(
            "POST",
            self.target.url,
            content=content,
            headers=exchange.sent_headers,
            timeout=self.timeouts.for_request(),
            extensions=trace.extensions(),
        ) as response:
            capture = self._begin(exchange, response, started)
            if capture is None:
                exchange.body = response.read()[:BODY_LIMIT]
                return
            with _reading(capture, self.timeouts):
                for chunk in response.iter_bytes():
                    if not capture.take(chunk):
                        break
            exchange.body = bytes(capture.kept)


class AsyncConformanceClient(_Base):
    """Asynchronous twin for the concurrency cases (one event loop, many streams at once)."""

    def __init__(
        self, target: Target, timeouts: Timeouts, observer: Observer | None = None
    ) -> None:
        super().__init__(target, timeouts, observer)
        self._http = httpx.AsyncClient(
            follow_redirects=False, limits=httpx.Limits(max_connections=64)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncConformanceClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def post(self, body: Any, key: str | None = "", label: str = "") -> Exchange:
        exchange, started, content = self._start(label, body, key, None)
        trace = ConnectionTrace()
        try:
            await self._attempt(self._http, exchange, started, content, trace)
        except httpx.HTTPError as error:
            if not self._reconnecting(exchange, error, trace):
                _fail(exchange, error)
            else:
                async with httpx.AsyncClient(follow_redirects=False) as fresh:
                    try:
                        await self._attempt(fresh, exchange, started, content, trace)
                    except httpx.HTTPError as again:
                        _fail(exchange, again)
        return self._done(exchange, started)

    async def _attempt(
        self,
        http: httpx.AsyncClient,
        exchange: Exchange,
        started: float,
        content: bytes,
        trace: ConnectionTrace,
    ) -> None:
        async with http.stream(
            "POST",
            self.target.url,
            content=content,
            headers=exchange.sent_headers,
            timeout=self.timeouts.for_request(),
            extensions=trace.extensions(asynchronous=True),
        ) as response:
            capture = self._begin(exchange, response, started)
            if capture is None:
                exchange.body = (await response.aread())[:BODY_LIMIT]
                return
            with _reading(capture, self.timeouts):
                async for chunk in response.aiter_bytes():
                    if not capture.take(chunk):
                        break
            exchange.body = bytes(capture.kept)


def log_observer(log_of: Callable[[], CaseLog | None], target: Target | None = None) -> Observer:
    """Report each exchange to the case running now: its request id, its wire transcript (keys
    masked with the target's redactor), and error-envelope findings."""
    from routify_suite.conformance.checks.errors import envelope_findings
    from routify_suite.redact import Redactor

    redact = target.redactor() if target is not None else Redactor()
    url = target.url if target is not None else ""

    def observe(exchange: Exchange) -> None:
        log = log_of()
        if log is None:
            return
        log.saw(exchange.request_id)
        if exchange.reconnects:
            log.reconnected(exchange.id)
        if exchange.failed_among_others is not None:
            log.sent_alone(exchange.id)
        log.record(transcript(exchange, url, redact), exchange)
        if exchange.status is not None and not 200 <= exchange.status < 300:
            log.ambient.extend(envelope_findings(exchange))

    return observe
