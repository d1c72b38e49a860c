"""Building exchanges from recorded bytes, so checks can be tested without a server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from routify_suite.conformance.exchange import END_EOF, Exchange, StreamCapture
from routify_suite.paths import FIXTURES_DIR
from routify_suite.server.runner import serving_in_thread
from routify_suite.target import LOCAL_TARGET, Target, load_target

TRANSCRIPTS: Final = FIXTURES_DIR / "transcripts"
STREAM_REQUEST: Final = {
    "model": "deepseek-v3.2",
    "messages": [{"role": "user", "content": "Capital of France?"}],
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_tokens": 6,
}
RECORDED_AT: Final = 1795643934
"""The ``created`` of the recorded transcripts: the "now" of their exchanges."""


def local_target(profile: str = "routify") -> Target:
    return load_target(LOCAL_TARGET).with_overrides(profile=profile)


def stream_exchange(
    data: bytes,
    chunk_size: int | None = None,
    content_type: str = "text/event-stream",
    request: dict[str, Any] | None = None,
) -> Exchange:
    """A 200 stream that delivered ``data`` in chunks of ``chunk_size`` bytes."""
    capture = StreamCapture()
    size = chunk_size or max(len(data), 1)
    for start in range(0, len(data), size):
        capture.feed(data[start : start + size])
    capture.finish(END_EOF)
    return Exchange(
        label="recorded",
        request=request or STREAM_REQUEST,
        sent_at=RECORDED_AT,
        status=200,
        headers=httpx.Headers({"content-type": content_type, "x-request-id": "req_recorded"}),
        body=data,
        stream=capture,
        duration_s=0.05,
    )


def json_exchange(
    document: Any,
    status: int = 200,
    content_type: str = "application/json",
    request: dict[str, Any] | None = None,
    body: bytes | None = None,
) -> Exchange:
    return Exchange(
        label="recorded",
        request=request or {**STREAM_REQUEST, "stream": False},
        sent_at=RECORDED_AT,
        status=status,
        headers=httpx.Headers({"content-type": content_type}),
        body=body if body is not None else json.dumps(document).encode(),
        duration_s=0.05,
    )


def recorded_response() -> dict[str, Any]:
    return json.loads((TRANSCRIPTS / "response.json").read_text(encoding="utf-8"))


def transcripts(prefix: str) -> list[Path]:
    return sorted(TRANSCRIPTS.glob(f"{prefix}*.sse"))


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yield its root URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    with serving_in_thread(config, name="fake server") as server:
        yield f"http://127.0.0.1:{server.bound_port}"


@contextlib.contextmanager
def serving_chat(handler: Callable[[Request], Awaitable[Response]]) -> Iterator[str]:
    """A fake server that answers ``POST /v1/chat/completions`` with ``handler``; yield its base
    URL (the root with ``/v1``)."""
    app = Starlette(routes=[Route("/v1/chat/completions", handler, methods=["POST"])])
    with serving(app) as root:
        yield root + "/v1"
