"""A lean load generator for many concurrent SSE streams: raw asyncio protocols, no HTTP lib.

Each connection sends the same streaming POST over keep-alive HTTP/1.1, again and again until
the deadline, and notes when each token event arrives. A token's gap is the time since the
previous token of the same stream; events that arrive in the same read have a gap of 0 after
the first (they were delayed together). Parsing is limited to counting ``data: {`` events and
spotting the end of the chunked body, so the client stays cheaper than the server it measures.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

_EVENT = b"data: {"
_DONE = b"data: [DONE]"
_END_OF_BODY = b"\r\n0\r\n\r\n"


@dataclass(slots=True)
class StreamStats:
    ttft_s: list[float] = field(default_factory=list)
    gaps_s: list[float] = field(default_factory=list)
    streams_completed: int = 0
    tokens: int = 0
    errors: list[str] = field(default_factory=list)


class _StreamingConnection(asyncio.Protocol):
    """One keep-alive connection running one stream at a time until ``deadline``."""

    def __init__(
        self, request: bytes, measure_from: float, deadline: float, stats: StreamStats
    ) -> None:
        self.request = request
        self.measure_from = measure_from
        self.deadline = deadline
        self.stats = stats
        self.transport: asyncio.Transport | None = None
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tail = b""
        self._sent_at = 0.0
        self._last = 0.0
        self._events = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self._events = 0
        self._tail = b""
        self._sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        events = data.count(_EVENT)
        if events and now < self.measure_from:  # warming up: keep time, record nothing
            self._events += events
            self._last = now
        elif events:
            stats = self.stats
            if self._events == 0:
                stats.ttft_s.append(now - self._sent_at)
                # the role chunk and the first token arrive together: one token event
                events -= 1
                self._events = 1
                stats.tokens += 1
                self._last = now
            if events:
                stats.gaps_s.append(now - self._last)
                stats.gaps_s.extend([0.0] * (events - 1))
                self._events += events
                stats.tokens += events
                self._last = now
        window = self._tail + data[-16:]
        if window.endswith(_END_OF_BODY):
            if _DONE not in data and _DONE not in self._tail + data[:32]:
                self.stats.errors.append("stream ended without [DONE]")
            self.stats.streams_completed += 1
            if time.perf_counter() < self.deadline:
                self._send()
            else:
                assert self.transport is not None
                self.transport.close()
            return
        self._tail = window[-16:]

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.stats.errors.append(repr(exc))
        if not self.finished.done():
            self.finished.set_result(None)


def streaming_request(host: str, port: int, body: bytes, key: str) -> bytes:
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def run_streams(
    host: str,
    port: int,
    bodies: list[bytes],
    key: str,
    connections: int,
    duration_s: float,
    ramp_s: float = 1.0,
    warmup_s: float = 1.0,
) -> tuple[StreamStats, float]:
    """Hold ``connections`` streams open; the stats of the measured window and its length.

    Connections open evenly over ``ramp_s`` (a real fleet of clients does not arrive in the
    same millisecond), then ``warmup_s`` passes unrecorded, then ``duration_s`` is measured.
    Connection *i* sends ``bodies[i % len(bodies)]``: distinct prompts give replies of
    different lengths, so the streams do not restart in lockstep.
    """
    loop = asyncio.get_running_loop()
    stats = StreamStats()
    requests = [streaming_request(host, port, body, key) for body in bodies]
    started = time.perf_counter()
    measure_from = started + ramp_s + warmup_s
    deadline = measure_from + duration_s
    protocols: list[_StreamingConnection] = []
    for index in range(connections):
        request = requests[index % len(requests)]
        delay = started + ramp_s * index / connections - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            _, protocol = await loop.create_connection(
                lambda request=request: _StreamingConnection(  # type: ignore[misc]
                    request, measure_from, deadline, stats
                ),
                host,
                port,
            )
        except OSError as error:
            stats.errors.append(f"connect: {error}")
            continue
        protocols.append(protocol)
    timeout = ramp_s + warmup_s + duration_s + 30
    try:
        await asyncio.wait_for(asyncio.gather(*(p.finished for p in protocols)), timeout)
    except TimeoutError:
        stats.errors.append(f"streams still open {timeout:g}s after the start")
        for protocol in protocols:
            if protocol.transport is not None:
                protocol.transport.abort()
    return stats, time.perf_counter() - measure_from
