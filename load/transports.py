"""HTTP clients for the load users, each yielding body bytes with the time they arrived.

Two interchangeable clients: geventhttpclient (what Locust's FastHttpUser uses; the default) and
httpx. ``geventhttpclient``'s public ``read(n)`` waits until ``n`` bytes have come in, which would
hold back an SSE event until a kilobyte of later events arrived and skew TTFT and ITL; so
:class:`FastTransport` hands over whatever each ``recv()`` brought, stamped right after it returned.

Both run inside Locust (gevent-patched sockets); neither imports Locust. Both send a request once
more, on a new connection, when the server had closed the kept-alive connection it reused before
any byte of the response (see :mod:`routify_suite.keepalive`), and count it in ``reconnects``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

CLIENTS: Final = ("fasthttp", "httpx")
BLOCK_SIZE: Final = 64 * 1024


class Transport(Protocol):
    reconnects: int
    """Requests sent again because the reused connection was closed before any response byte."""

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST and read the whole response: (status, body)."""
        ...

    def stream(self, path: str, body: bytes) -> Iterator[tuple[int, bytes, float]]:
        """POST; yield (status, b"", at) when headers arrive, then (status, bytes, at) per read.

        A non-200 response yields its whole body once after the headers and ends.
        """
        ...

    def reset(self) -> None:
        """Drop connections after an error, so a half-read response is never reused."""
        ...


class FastTransport:
    """geventhttpclient, one connection per user, as Locust's FastHttpUser does."""

    def __init__(
        self, base_url: str, headers: dict[str, str], connect_timeout: float, read_timeout: float
    ) -> None:
        from geventhttpclient import HTTPClient

        parts = urlsplit(base_url)
        self._prefix = parts.path.rstrip("/")
        self._headers = headers
        self._make = lambda: HTTPClient(
            parts.hostname or "127.0.0.1",
            parts.port or (443 if parts.scheme == "https" else 80),
            ssl=parts.scheme == "https",
            connection_timeout=connect_timeout,
            network_timeout=read_timeout,
            concurrency=1,
        )
        self._client = self._make()
        self.reconnects = 0

    def _send(self, path: str, body: bytes) -> Any:
        """POST and return the response once its headers are in; retry a stale connection once.

        geventhttpclient itself retries only idempotent methods. A reused connection is one the
        pool held idle before the request (its internal queue; it drops idle sockets it sees
        closed, but not one the server closes while the request goes out).
        """
        from geventhttpclient.response import HTTPConnectionClosed

        reused = self._idle_connections() > 0
        try:
            return self._client.post(self._prefix + path, body=body, headers=self._headers)
        except (HTTPConnectionClosed, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
        self.reconnects += 1
        self.reset()
        return self._client.post(self._prefix + path, body=body, headers=self._headers)

    def _idle_connections(self) -> int:
        queue = getattr(getattr(self._client, "_connection_pool", None), "_socket_queue", None)
        return queue.qsize() if queue is not None else 0

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = self._send(path, body)
        return response.status_code, bytes(response.read())

    def stream(self, path: str, body: bytes) -> Iterator[tuple[int, bytes, float]]:
        response = self._send(path, body)
        status = response.status_code
        yield status, b"", time.perf_counter()
        if status != 200:
            yield status, bytes(response.read()), time.perf_counter()
            return
        # Internals of HTTPSocketResponse (see module docstring): its parse buffer and socket.
        buffer: bytearray = response._body_buffer
        if buffer:
            yield status, bytes(buffer), time.perf_counter()
            del buffer[:]
        while not response.message_complete:
            sock = response._sock
            if sock is None:
                raise ConnectionError("connection released before the response ended")
            data = sock.recv(BLOCK_SIZE)
            at = time.perf_counter()
            if not data:
                raise ConnectionError("connection closed before the response ended")
            response.feed(data)
            if buffer:
                yield status, bytes(buffer), at
                del buffer[:]

    def reset(self) -> None:
        self._client.close()
        self._client = self._make()


def _import_httpx() -> Any:
    """Import httpx inside a gevent-patched process.

    httpcore imports trio when it is installed, and trio's import needs ``select.epoll``, which
    gevent's monkey-patching removes; the synchronous client never uses trio, so hide it.
    """
    if "gevent.monkey" in sys.modules and "trio" not in sys.modules:
        sys.modules["trio"] = None  # type: ignore[assignment]  # makes `import trio` fail cleanly
    import httpx

    return httpx


class HttpxTransport:
    """httpx's synchronous client (gevent-patched), for comparison with :class:`FastTransport`."""

    def __init__(
        self, base_url: str, headers: dict[str, str], connect_timeout: float, read_timeout: float
    ) -> None:
        httpx = _import_httpx()
        from routify_suite.keepalive import ConnectionTrace, stale_connection

        self._trace, self._stale = ConnectionTrace, stale_connection
        self._errors = httpx.HTTPError
        self.reconnects = 0
        self._make = lambda: httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self._client = self._make()

    @contextmanager
    def _send(self, path: str, body: bytes) -> Iterator[Any]:
        """The streamed response once its headers are in; a stale connection is retried once.

        The pool holds one connection: after the failed attempt dropped it, the retry opens a new
        one. An error once the headers are in is the caller's (no retry).
        """
        trace = self._trace()
        request = self._client.build_request(
            "POST", path, content=body, extensions=trace.extensions()
        )
        try:
            response = self._client.send(request, stream=True)
        except self._errors as error:
            if not self._stale(error, trace):
                raise
            self.reconnects += 1
            response = self._client.send(
                self._client.build_request("POST", path, content=body), stream=True
            )
        try:
            yield response
        finally:
            response.close()

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        with self._send(path, body) as response:
            return response.status_code, response.read()

    def stream(self, path: str, body: bytes) -> Iterator[tuple[int, bytes, float]]:
        with self._send(path, body) as response:
            status = response.status_code
            yield status, b"", time.perf_counter()
            if status != 200:
                yield status, response.read(), time.perf_counter()
                return
            for data in response.iter_raw():
                yield status, data, time.perf_counter()

    def reset(self) -> None:
        self._client.close()
        self._client = self._make()


def make_transport(
    client: str,
    base_url: str,
    headers: dict[str, str],
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> Transport:
    if client == "httpx":
        return HttpxTransport(base_url, headers, connect_timeout, read_timeout)
    if client == "fasthttp":
        return FastTransport(base_url, headers, connect_timeout, read_timeout)
    raise ValueError(f"unknown client {client!r}; choose one of {', '.join(CLIENTS)}")
