"""A TCP relay that plays a server closing every kept-alive connection after one response.

HTTP/1.1 lets a server close a persistent connection at any time, also right after a response
that promised keep-alive (llama.cpp's server does it after streams). When the close crosses the
client's next request on that connection, the client gets no response at all; a robust client
sends the request again on a new connection. The relay makes that race certain: it forwards the
first request of each connection and its response, and closes the connection, unanswered, as
soon as the client sends anything more on it. Byte-level only (no HTTP parsing), bounded by the
life of the ``with`` block.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

BLOCK = 64 * 1024


class _Relay:
    def __init__(self, upstream_host: str, upstream_port: int, answer_limit: int | None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.answer_limit = answer_limit
        """Connections answered in all; past it, every request is closed unanswered (tests of
        what stays a failure: a new connection closed, a retry that fails again)."""
        self.answered = 0
        self.closed_reused = 0
        """Connections closed because the client reused them (the race a client must absorb)."""
        self.handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
            task.add_done_callback(self.handlers.discard)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        answered = asyncio.Event()  # the server has sent bytes back on this connection

        async def client_to_server() -> None:
            while data := await reader.read(BLOCK):
                if answered.is_set():  # a second request on a kept-alive connection
                    self.closed_reused += 1
                    return
                if self.answer_limit is not None and self.answered >= self.answer_limit:
                    return
                up_writer.write(data)
                await up_writer.drain()

        async def server_to_client() -> None:
            while data := await up_reader.read(BLOCK):
                if not answered.is_set():
                    self.answered += 1
                answered.set()
                writer.write(data)
                await writer.drain()

        pumps = [
            asyncio.ensure_future(client_to_server()),
            asyncio.ensure_future(server_to_client()),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._close(writer, up_writer)

    @staticmethod
    def _close(*streams: asyncio.StreamWriter) -> None:
        for stream in streams:
            with contextlib.suppress(OSError):
                stream.close()


@contextlib.contextmanager
def closing_relay(
    upstream_root: str, answer_limit: int | None = None, timeout_s: float = 10.0
) -> Iterator[tuple[str, _Relay]]:
    """Yield (root URL of the relay, the relay) for an ``http://host:port`` upstream."""
    parts = urlsplit(upstream_root)
    relay = _Relay(parts.hostname or "127.0.0.1", parts.port or 80, answer_limit)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    bound: list[int] = []
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        server = await asyncio.start_server(relay.handle, "127.0.0.1", 0)
        bound.append(server.sockets[0].getsockname()[1])
        ready.set()
        async with server:
            await stop.wait()
            for handler in list(relay.handlers):
                handler.cancel()
            await asyncio.gather(*relay.handlers, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not ready.wait(timeout_s):
        raise RuntimeError("the closing relay did not start")
    try:
        yield f"http://127.0.0.1:{bound[0]}", relay
    finally:
        loop.call_soon_threadsafe(stop.set)  # type: ignore[union-attr]
        thread.join(timeout_s)
        loop.close()
