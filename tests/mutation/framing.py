"""How the proxy writes JSON bodies and event streams back to the client.

The reference server writes one canonical form; the legal variations of issue 6 (no space after
``data:``, CRLF, comments, tiny writes, pretty-printed JSON...) are other renderings of the same
events, so they live here as a value object rather than as special cases in the proxy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DONE = "[DONE]"


@dataclass(frozen=True)
class Framing:
    """One way of putting events and JSON documents on the wire."""

    line_end: str = "\n"
    space_after_colon: bool = True
    comment_every: int = 0
    """Insert a ``: keep-alive`` comment line before every Nth event (0: never)."""
    write_size: int = 0
    """Split the stream into writes of this many bytes (0: one write per event)."""
    pretty: bool = False
    """Indent JSON; in a stream that spreads one event's JSON over several ``data:`` lines."""
    reverse_keys: bool = False
    extra_fields: bool = False
    id_lines: bool = False
    """Send an ``id:`` field with every event."""
    bom: bool = False
    retry_line: bool = False

    def dump(self, document: Any) -> str:
        if self.extra_fields:
            document = with_extra_fields(document)
        if self.reverse_keys:
            document = reversed_keys(document)
        if self.pretty:
            return json.dumps(document, indent=2, ensure_ascii=False)
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)

    def render_event(self, data: str, number: int) -> str:
        """One event: its field lines and the blank line that dispatches it."""
        end = self.line_end
        colon = ": " if self.space_after_colon else ":"
        lines: list[str] = []
        if self.comment_every and number % self.comment_every == 0:
            lines.append(": keep-alive")
        if self.id_lines:
            lines.append(f"id{colon}{number}")
        lines.extend(f"data{colon}{line}" for line in data.split("\n"))
        return end.join(lines) + end + end

    def render_stream(self, payloads: list[str]) -> list[bytes]:
        """The stream as the list of writes the proxy makes."""
        head = ("\ufeff" if self.bom else "") + (
            f"retry: 3000{self.line_end}" if self.retry_line else ""
        )
        events = [self.render_event(payload, number) for number, payload in enumerate(payloads)]
        if head and events:
            events[0] = head + events[0]
        writes = [event.encode() for event in events]
        if not self.write_size:
            return writes
        whole = b"".join(writes)
        return [whole[i : i + self.write_size] for i in range(0, len(whole), self.write_size)]


def with_extra_fields(document: Any) -> Any:
    """Add an unknown field to every object, recursively (extra fields are legal)."""
    if isinstance(document, dict):
        extended = {key: with_extra_fields(value) for key, value in document.items()}
        extended["x_vendor_extension"] = {"note": "extra fields are legal"}
        return extended
    if isinstance(document, list):
        return [with_extra_fields(item) for item in document]
    return document


def reversed_keys(document: Any) -> Any:
    """The same document with every object's keys in reverse order (key order is free)."""
    if isinstance(document, dict):
        return {key: reversed_keys(document[key]) for key in reversed(list(document))}
    if isinstance(document, list):
        return [reversed_keys(item) for item in document]
    return document
