"""What a deviation is: a name, what the suite must say about it, and how it bends the exchange.

Each hook defaults to passing things through unchanged, so a deviation states only what it breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tests.mutation.framing import Framing


class _JsonBody:
    body: bytes

    def document(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class Upstream(_JsonBody):
    """The request as the proxy forwards it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def with_document(self, document: Any) -> Upstream:
        return replace(self, body=json.dumps(document).encode())


@dataclass(frozen=True)
class Reply(_JsonBody):
    """A non-streaming response on its way back to the client."""

    status: int
    headers: dict[str, str]
    body: bytes

    def with_document(self, document: Any, framing: Framing | None = None) -> Reply:
        text = (framing or Framing()).dump(document)
        return replace(self, body=text.encode())


Kind = Literal["deviation", "variation", "tolerated", "generated"]
"""generated: a deviation only generated requests reach (tests/mutation/deviations_generated.py)."""


def _same(value: Any, *_: Any) -> Any:
    return value


@dataclass(frozen=True)
class Deviation:
    """One named way for a server to break the spec (or, for a variation, to stay within it)."""

    name: str
    kind: Kind
    area: str
    """What it touches (sse, shape, errors, auth, params, json, headers): a matrix column."""
    summary: str
    select: str
    """The pytest ``-k`` expression that picks the suite cases relevant to this deviation."""
    caught_by: tuple[str, ...] = ()
    """Check ids of which at least one must fail (deviations only)."""
    request: Callable[[Upstream], Upstream] = _same
    reply: Callable[[Reply, Upstream], Reply] = _same
    events: Callable[[list[Any]], list[Any]] = _same
    writes: Callable[[list[bytes]], list[bytes]] = _same
    stream_headers: Callable[[dict[str, str]], dict[str, str]] = _same
    framing: Framing = field(default_factory=Framing)
    stall_after: int | None = None
    cut_after: int | None = None
    cuts_on_arrival: bool = False
    """Any stream in progress is cut when another request arrives (a server serving one request
    at a time that interrupts the current one, as llama-cpp-python's does by default)."""
    closes_connections: bool = False
    """The server closes each kept-alive connection after one response (tests/mutation/relay.py),
    crossing the client's next request on it."""

    def on_reply(self, reply: Reply, upstream: Upstream) -> Reply:
        reply = self.reply(reply, upstream)
        if self.framing == Framing():
            return reply
        document = reply.document()
        return reply if document is None else reply.with_document(document, self.framing)
