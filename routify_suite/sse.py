"""A strict, incremental parser for ``text/event-stream`` (WHATWG HTML, "Server-sent events").

Official client libraries parse streams leniently and drop what they do not understand; this
parser follows the interpretation rules exactly (LF, CR and CRLF line ends, one optional space
after the colon, comment lines, multi-line data, a leading BOM, events dispatched only by a blank
line) and records what breaks them, so the conformance suite can fail a server that a forgiving
client would accept. Bytes may arrive in any chunking; each event carries the time its dispatching
bytes arrived, taken before any JSON parsing, which the load suite uses for TTFT and inter-token
latency.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

DONE: Final = "[DONE]"
"""The data of the sentinel event that ends an OpenAI-style stream (spec: ``data: [DONE]``)."""

_LINE_END: Final = re.compile(rb"\r\n|\r|\n")
_BOM: Final = "\ufeff"


@dataclass(slots=True)
class SSEEvent:
    """One dispatched event (not frozen: a frozen dataclass costs a third of the parse time)."""

    data: str
    event: str = "message"
    id: str | None = None
    """The last event ID in force when the event was dispatched."""
    retry: int | None = None
    """The reconnection time in force when the event was dispatched, if the server set one."""
    received_at: float = 0.0
    """Clock reading when the bytes that completed this event arrived."""
    offset: int = 0
    """Byte offset in the stream of the blank line that dispatched the event."""


@dataclass(frozen=True, slots=True)
class SSEViolation:
    """A break of the event-stream format, with where it happened."""

    offset: int
    message: str

    def __str__(self) -> str:
        return f"byte {self.offset}: {self.message}"


@dataclass(slots=True)
class SSEStats:
    """Legal-but-notable features seen, for reports that describe a server's dialect."""

    comments: int = 0
    crlf_line_ends: int = 0
    cr_line_ends: int = 0
    lf_line_ends: int = 0
    lines_without_space: int = 0
    unknown_fields: list[str] = field(default_factory=list)


class SSEParser:
    """Feed it bytes as they arrive; it returns the events each chunk completes.

    Call :meth:`close` at the end of the stream: per the standard an event that was never
    terminated by a blank line is discarded, and that loss is recorded as a violation.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._buffer = b""
        self._buffer_offset = 0
        self._skip_lf = False
        self._at_start = True
        self._data: list[str] = []
        self._event_type = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._closed = False
        self.bytes_received = 0
        self.violations: list[SSEViolation] = []
        self.stats = SSEStats()

    def feed(self, chunk: bytes, at: float | None = None) -> list[SSEEvent]:
        """Consume ``chunk`` (arrived at clock reading ``at``, default now); return new events."""
        if self._closed:
            raise RuntimeError("feed() after close()")
        now = self._clock() if at is None else at
        self.bytes_received += len(chunk)
        if self._skip_lf and chunk[:1] == b"\n":
            # The CR that ended the previous chunk was the first half of a CRLF.
            self.stats.cr_line_ends -= 1
            self.stats.crlf_line_ends += 1
            chunk = chunk[1:]
            self._buffer_offset += 1
        if chunk:
            self._skip_lf = False
        buffer = self._buffer + chunk if self._buffer else chunk
        events: list[SSEEvent] = []
        if b"\r" not in buffer and buffer.isascii():
            position = self._feed_plain(buffer, now, events)
        else:
            position = self._feed_general(buffer, now, events)
        self._buffer = buffer[position:]
        self._buffer_offset += position
        return events

    def _feed_plain(self, buffer: bytes, now: float, events: list[SSEEvent]) -> int:
        """The common case (ASCII, LF line ends): one decode and one split for the whole chunk."""
        end = buffer.rfind(b"\n") + 1
        if not end:
            return 0
        lines = buffer[:end].decode("ascii").split("\n")
        lines.pop()  # the empty string after the last LF
        self.stats.lf_line_ends += len(lines)
        offset = self._buffer_offset
        for line in lines:
            self._line(line, offset, now, events)
            offset += len(line) + 1
        return end

    def _feed_general(self, buffer: bytes, now: float, events: list[SSEEvent]) -> int:
        """Any line ends and any bytes: line by line, with UTF-8 errors located."""
        position = 0
        for match in _LINE_END.finditer(buffer):
            ending = match.group()
            if ending == b"\n":
                self.stats.lf_line_ends += 1
            elif ending == b"\r\n":
                self.stats.crlf_line_ends += 1
            else:
                self.stats.cr_line_ends += 1
                if match.end() == len(buffer):
                    self._skip_lf = True
            start = self._buffer_offset + position
            raw = buffer[position : match.start()]
            self._line(self._decode(raw, start), start, now, events)
            position = match.end()
        return position

    def close(self) -> None:
        """Mark the end of the stream and record an event or line it left unfinished."""
        if self._closed:
            return
        self._closed = True
        if self._buffer:
            self.violations.append(
                SSEViolation(
                    self._buffer_offset,
                    f"stream ended inside a line ({len(self._buffer)} bytes with no line end);"
                    " the standard discards it",
                )
            )
        elif self._data:
            self.violations.append(
                SSEViolation(
                    self._buffer_offset,
                    "stream ended before the blank line that dispatches the last event;"
                    " the standard discards it",
                )
            )

    def _decode(self, raw: bytes, offset: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.violations.append(
                SSEViolation(offset + error.start, f"invalid UTF-8: {error.reason}")
            )
            return raw.decode("utf-8", errors="replace")

    def _line(self, line: str, offset: int, now: float, events: list[SSEEvent]) -> None:
        if self._at_start:
            self._at_start = False
            if line.startswith(_BOM):
                line = line[1:]
        if not line:
            self._dispatch(offset, now, events)
            return
        if line[0] == ":":
            self.stats.comments += 1
            return
        name, colon, value = line.partition(":")
        if colon:
            if value[:1] == " ":
                value = value[1:]
            else:
                self.stats.lines_without_space += 1
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event_type = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self._retry = int(value)
        else:
            self.stats.unknown_fields.append(name)

    def _dispatch(self, offset: int, now: float, events: list[SSEEvent]) -> None:
        if not self._data:
            self._event_type = ""
            return
        events.append(
            SSEEvent(
                data="\n".join(self._data),
                event=self._event_type or "message",
                id=self._last_id,
                retry=self._retry,
                received_at=now,
                offset=offset,
            )
        )
        self._data = []
        self._event_type = ""


@dataclass(frozen=True, slots=True)
class ParsedStream:
    """A whole stream, parsed: its events, what broke the format, and the dialect it used."""

    events: list[SSEEvent]
    violations: list[SSEViolation]
    stats: SSEStats


def parse_stream(chunks: bytes | Iterable[bytes]) -> ParsedStream:
    """Parse a complete stream given as bytes or as the chunks it arrived in."""
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
        events.extend(parser.feed(chunk))
    parser.close()
    return ParsedStream(events, parser.violations, parser.stats)
