"""Telling "the server closed an idle kept-alive connection" apart from "the server failed".

HTTP/1.1 lets a server close a persistent connection at any time (RFC 9112, 9.5), also right
after a response whose headers promised keep-alive; a client that reused the pooled connection
then gets no response at all. Robust clients (the official openai client among them) retry such
a request once on a new connection, so a suite that called it a failure would fail servers for
something no client notices. The retry is narrow: only when the connection was reused (this
attempt opened none) and the error came before any byte of the response. A refused connection,
a cut after response bytes, or a second failure stays a failure.

:class:`ConnectionTrace` is httpcore's documented ``trace`` request extension, which reports
``connection.connect_tcp.*`` events only when a request opens a new connection.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

REUSED_CONNECTION_NOTE: Final = (
    "closes kept-alive connections after streams; clients must reconnect"
)
"""The informational note of a run in which the server closed kept-alive connections."""

NO_RESPONSE: Final = "Server disconnected without sending a response"
"""httpcore's wording for a connection closed before any byte of the response."""


class ConnectionTrace:
    """Records whether one request attempt opened a new TCP connection (sync and async)."""

    def __init__(self) -> None:
        self.connected = False

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event.startswith("connection.connect_tcp."):
            self.connected = True

    async def async_callback(self, event: str, info: dict[str, Any]) -> None:
        self(event, info)

    def extensions(self, asynchronous: bool = False) -> dict[str, Any]:
        """The ``extensions`` argument of an httpx request that reports into this trace."""
        return {"trace": self.async_callback if asynchronous else self}


def closed_before_response(error: BaseException) -> bool:
    """True for an httpx error that means no byte of the response arrived before the close."""
    if isinstance(error, httpx.RemoteProtocolError):
        return NO_RESPONSE in str(error)
    return isinstance(error, httpx.ReadError | httpx.WriteError)


def stale_connection(error: BaseException, trace: ConnectionTrace) -> bool:
    """Retry once: the attempt reused a pooled connection the server had already closed."""
    return not trace.connected and closed_before_response(error)
