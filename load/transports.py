"""HTTP clients for the load users, each yielding body bytes with the time they arrived.

Two interchangeable clients: geventhttpclient (what Locust's FastHttpUser uses; the default) and
httpx. ``geventhttpclient``'s public ``read(n)`` waits until ``n`` bytes have come in, which would
hold back an SSE event until a kilobyte of later events arrived and skew TTFT and ITL; so
:class:`FastTransport` hands over whatever each ``recv()`` brought, stamped right after it returned.

Both run inside Locust (gevent-patched sockets); neither imports Locust.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

CLIENTS: Final = ("fasthttp", "httpx")
BLOCK_SIZE: Final = 64 * 1024


class Transport(Protocol):
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

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = self._client.post(self._prefix + path, body=body, headers=self._headers)
        return response.status_code, bytes(response.read())

    def stream(self, path: str, body: bytes) -> Iterator[tuple[int, bytes, float]]:
        response = self._client.post(self._prefix + path, body=body, headers=self._headers)
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
        self._make = lambda: httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self._client = self._make()

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = self._client.post(path, content=body)
        return response.status_code, response.content

    def stream(self, path: str, body: bytes) -> Iterator[tuple[int, bytes, float]]:
        with self._client.stream("POST", path, content=body) as response:
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
