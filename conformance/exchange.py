"""One request and what came back, captured once and read by many checks.

A stream is read through :class:`StreamCapture`, which feeds the strict SSE parser as bytes
arrive and records how the stream ended (cleanly, stalled, cut, over its deadline), so a broken
stream becomes data for the checks rather than an exception in the middle of a case.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from routify_suite.sse import SSEEvent, SSEParser, SSEViolation

END_EOF = "eof"
END_IDLE = "idle-timeout"
END_CUT = "cut"
END_DEADLINE = "deadline"


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str | bytes) -> Any:
    """Parse RFC 8259 JSON: Python's json would also take NaN and Infinity, JSON does not."""
    return json.loads(text, parse_constant=_reject_constant)


@dataclass(slots=True)
class StreamCapture:
    """A stream as it arrived: its events, format violations, and how it ended."""

    parser: SSEParser = field(default_factory=SSEParser)
    events: list[SSEEvent] = field(default_factory=list)
    ended: str = ""
    detail: str = ""
    deadline: float = float("inf")
    """perf_counter() reading after which the stream is abandoned, however steadily it drips."""
    kept: bytearray = field(default_factory=bytearray)
    keep_limit: int = 1 << 20
    last_byte_at: float = field(default_factory=time.perf_counter)
    """perf_counter() reading when the latest bytes arrived (or the stream began)."""

    def feed(self, chunk: bytes) -> None:
        self.events.extend(self.parser.feed(chunk))

    def take(self, chunk: bytes) -> bool:
        """Consume bytes as they arrive; False (stream finished) once past the deadline."""
        self.last_byte_at = time.perf_counter()
        self.feed(chunk)
        if len(self.kept) < self.keep_limit:
            self.kept += chunk
        if time.perf_counter() > self.deadline:
            self.finish(END_DEADLINE, "still streaming at the stream deadline")
            return False
        return True

    def finish(self, ended: str, detail: str = "") -> None:
        self.parser.close()
        self.ended, self.detail = ended, detail

    @property
    def violations(self) -> list[SSEViolation]:
        return self.parser.violations


@dataclass
class Exchange:
    """A request sent and the response (or transport failure) it got."""

    label: str
    request: Any
    """The JSON body sent, or the raw bytes for bodies that are not JSON on purpose."""
    sent_at: float
    """Wall-clock time (time.time()) when the request left: the "now" for created checks."""
    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    duration_s: float = 0.0
    stream: StreamCapture | None = None
    failure: tuple[str, str] | None = None
    """(check id, what happened) when the exchange itself failed: connect, timeout, stall, cut."""
    id: str = ""
    """Unique in the run: how a report's cases point at the transcript of this exchange."""
    started: float = 0.0
    """perf_counter() when the request left: stream events' arrival offsets count from it."""
    sent_headers: dict[str, str] = field(default_factory=dict)
    """The request headers as sent, so the transcript can show them (keys masked there)."""
    not_judged: str = ""
    """Why no case may judge this exchange (a 429 that outlasted its retries), or empty."""
    client_impact: tuple[bool, str] | None = field(default=None, repr=False, compare=False)
    """Cache of what the official client made of this exchange (see client_impact.py)."""
    reconnects: int = 0
    """1 when the server had closed the reused connection and the request went again."""
    in_flight: int = 0
    """The most other requests the suite had in flight at once while this one was."""
    failed_among_others: Exchange | None = field(default=None, repr=False, compare=False)
    """The same request, failed at the transport or stream level while others were in flight;
    this exchange is its re-sending alone (see pool.py), the one cases judge."""

    @property
    def wants_stream(self) -> bool:
        return isinstance(self.request, dict) and self.request.get("stream") is True

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @cached_property
    def document(self) -> tuple[bool, Any]:
        """(parsed, value): the body as strict JSON, or (False, the parse error)."""
        try:
            return True, strict_json(self.body)
        except ValueError as error:
            return False, str(error)

    @cached_property
    def chunks(self) -> list[tuple[SSEEvent, Any]]:
        """Each non-[DONE] event with its JSON (or the parse error as a ValueError)."""
        parsed: list[tuple[SSEEvent, Any]] = []
        for event in self.stream.events if self.stream else []:
            if event.data == "[DONE]":
                continue
            try:
                parsed.append((event, strict_json(event.data)))
            except ValueError as error:
                parsed.append((event, error))
        return parsed

    @property
    def json_chunks(self) -> list[dict[str, Any]]:
        return [value for _, value in self.chunks if isinstance(value, dict)]

    @property
    def request_id(self) -> str | None:
        """The id a person would quote to the server's operators."""
        header = self.headers.get("x-request-id")
        if header:
            return header
        ok, value = self.document if self.stream is None else (False, None)
        if ok and isinstance(value, dict) and isinstance(value.get("id"), str):
            return value["id"]
        for chunk in self.json_chunks:
            if isinstance(chunk.get("id"), str):
                return chunk["id"]
        return None

    def body_excerpt(self, limit: int = 300) -> str:
        text = self.body.decode("utf-8", errors="replace")
        return text if len(text) <= limit else text[:limit] + "..."

    def summary(self) -> str:
        """Status line for a report: what came back, briefly."""
        if self.failure:
            return f"no response ({self.failure[1]})"
        kind = self.media_type or "no content type"
        return f"HTTP {self.status} ({kind}): {self.body_excerpt(200)!r}"


def now() -> float:
    return time.time()
