"""A reverse proxy in front of the reference server that applies one named deviation.

The deviation is chosen by the first path segment (``/<name>/v1/chat/completions``), so one proxy
serves every deviation at once and parallel test runs never share mutable state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from routify_suite.sse import SSEParser
from tests.mutation.deviation import Deviation, Reply, Upstream

STALL_SECONDS = 30.0
"""How long a stalling stream waits before it gives up by itself (the suite's idle timeout is
far shorter; the bound only keeps the proxy from holding a connection forever)."""

UPSTREAM_KEEPALIVE_S = 1.0
"""How long the proxy keeps an idle upstream connection: well under uvicorn's 5 s keep-alive,
where httpx's default equals it and a reuse can meet the server's close (a precaution; the
retry in :func:`_upstream` is what covers a lost link)."""

PACE_S = 0.01
"""The pause between the writes of a stream that another request's arrival cuts: the stream is
then in progress for a while, as a model's would be."""

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


@dataclass
class HarnessLog:
    """What the proxy itself met on its way to the server, for the runner to report: a harness
    fault must fail its test as one, never pass for a verdict on a deviation."""

    failed: list[str] = field(default_factory=list)
    """Requests the proxy could not forward even on a second try (answered 502)."""
    retried: list[str] = field(default_factory=list)
    """Requests forwarded only on a second try."""

    def since(self, mark: tuple[int, int]) -> tuple[list[str], list[str]]:
        return self.failed[mark[0] :], self.retried[mark[1] :]

    def mark(self) -> tuple[int, int]:
        return len(self.failed), len(self.retried)


HARNESS = HarnessLog()


async def _upstream(client: httpx.AsyncClient, outgoing: Upstream) -> httpx.Response:
    """The server's answer, read whole; a transport error is tried once more, since the link
    from this proxy to the server is not what a deviation tests (both are logged in HARNESS)."""
    what = f"{outgoing.method} {outgoing.path}"

    async def send() -> httpx.Response:
        return await client.request(
            outgoing.method, outgoing.path, headers=outgoing.headers, content=outgoing.body
        )

    try:
        return await send()
    except httpx.TransportError as error:
        HARNESS.retried.append(f"{what}: {error!r}")
    try:
        return await send()
    except httpx.TransportError as error:
        HARNESS.failed.append(f"{what}: {error!r}")
        raise


class StreamCut(Exception):
    """Raised inside a response body to drop the connection mid-stream."""


def _forwardable(headers: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key.lower() not in _HOP_HEADERS}


def create_proxy(upstream_base: str, deviations: Mapping[str, Deviation]) -> Starlette:
    """The proxy app: ``/<deviation>/v1/...`` forwards to ``upstream_base`` + ``/...``."""
    client = httpx.AsyncClient(
        base_url=upstream_base,
        timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(keepalive_expiry=UPSTREAM_KEEPALIVE_S),
    )

    in_progress: dict[str, set[asyncio.Event]] = {}
    """Per deviation that cuts on arrival: an event for each stream in progress, set to cut it."""

    async def handle(request: Request) -> Response:
        deviation = deviations.get(request.path_params["deviation"])
        if deviation is None:
            return Response("unknown deviation", status_code=404)
        outgoing = Upstream(
            method=request.method,
            path="/" + request.path_params["rest"],
            headers=_forwardable(request.headers),
            body=await request.body(),
        )
        interrupted = None
        if deviation.cuts_on_arrival:
            streams = in_progress.setdefault(deviation.name, set())
            for other in streams:
                other.set()
            document = outgoing.document()
            if isinstance(document, dict) and document.get("stream") is True:
                interrupted = asyncio.Event()
                streams.add(interrupted)
        outgoing = deviation.request(outgoing)
        try:
            upstream = await _upstream(client, outgoing)
        except httpx.HTTPError as error:
            return Response(f"deviation proxy: {error!r}", status_code=502)
        raw = upstream.content
        headers = _forwardable(upstream.headers)
        if upstream.headers.get("content-type", "").startswith("text/event-stream"):
            cut_by = None if interrupted is None else (interrupted, in_progress[deviation.name])
            return _stream_reply(deviation, upstream.status_code, headers, raw, cut_by)
        if interrupted is not None:
            in_progress[deviation.name].discard(interrupted)
        reply = deviation.on_reply(
            Reply(status=upstream.status_code, headers=headers, body=raw),
            outgoing,
        )
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    return Starlette(
        routes=[Route("/{deviation}/v1/{rest:path}", handle, methods=["GET", "POST"])],
        lifespan=lifespan,
    )


def _stream_reply(
    deviation: Deviation,
    status: int,
    headers: dict[str, str],
    raw: bytes,
    cut_by: tuple[asyncio.Event, set[asyncio.Event]] | None = None,
) -> Response:
    """The stream as the deviation bends it; ``cut_by``: an event that cuts it once set, and the
    set of streams in progress it leaves when it ends."""
    parser = SSEParser()
    events: list[Any] = []
    for event in parser.feed(raw):
        try:
            events.append(json.loads(event.data))
        except ValueError:
            events.append(event.data)
    events = deviation.events(events)
    framing = deviation.framing
    payloads = [event if isinstance(event, str) else framing.dump(event) for event in events]
    writes = deviation.writes(framing.render_stream(payloads))
    headers = deviation.stream_headers(headers)

    async def body() -> AsyncIterator[bytes]:
        try:
            for number, write in enumerate(writes):
                if number == deviation.stall_after:
                    await asyncio.sleep(STALL_SECONDS)
                    return
                if number == deviation.cut_after:
                    raise StreamCut(deviation.name)
                if cut_by is not None:
                    await asyncio.sleep(PACE_S)
                    if cut_by[0].is_set():
                        raise StreamCut(f"{deviation.name}: another request arrived")
                yield write
        finally:
            if cut_by is not None:
                cut_by[1].discard(cut_by[0])

    media_type = headers.pop("content-type", None)
    return StreamingResponse(body(), status_code=status, headers=headers, media_type=media_type)
