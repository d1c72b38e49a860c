"""Running the reference server: in a thread for tests and the embedded default, or in the
foreground for ``routify-suite serve``.

The thread variant follows httpx's test conftest: signal handlers off (only the main thread may
own them), wait for uvicorn's startup on an Event, ``should_exit`` and join in ``finally``.
With ``port=0`` the real port is read from the bound socket.
"""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from routify_suite.server.accounts import Account, load_accounts
from routify_suite.server.app import create_app
from routify_suite.server.state import ServerState, Settings

STARTUP_TIMEOUT_S = 30.0
GRACEFUL_SHUTDOWN_S = 2


class ServerStartError(RuntimeError):
    """The server could not start (port taken, bad host...); the message is one line."""


def _loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:  # pragma: no cover - uvloop is a dependency where it is available
        return "asyncio"
    return "uvloop"


def build_config(
    host: str, port: int, accounts: dict[str, Account], settings: Settings
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(accounts, settings),
        host=host,
        port=port,
        loop=_loop_name(),
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        backlog=4096,
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port is one clear error, not a log
    line and ``sys.exit`` from inside uvicorn."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise ServerStartError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sock.set_inheritable(True)
    return sock


# Young generations collected every 5,000 allocations instead of 700, and a full collection only
# after 200 of the middle one: with 1,000 open streams a full collection walks ~10^5 live objects
# and pauses every stream for tens of milliseconds, which would show as inter-token jitter.
SERVING_GC_THRESHOLDS = (5000, 20, 200)


def tune_gc_for_serving() -> None:
    """For a process that only serves: freeze what startup built (modules, schemas, app) out of
    the collector's reach and make full collections rare. Process-wide, so not for in-process
    servers sharing a test process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


class NotifyingServer(uvicorn.Server):
    """A uvicorn server that reports startup on an Event and can leave signals alone."""

    def __init__(self, config: uvicorn.Config, capture_signals: bool) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self._capture = capture_signals
        self.on_ready: Callable[[NotifyingServer], None] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if self._capture:
            with super().capture_signals():
                yield
        else:
            yield

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets=sockets)
        if self.started and self.on_ready is not None:
            self.on_ready(self)
        self.ready.set()

    @property
    def bound_port(self) -> int:
        return int(self.servers[0].sockets[0].getsockname()[1])


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A started reference server: where it listens, and its live state (ledger, streams)."""

    host: str
    port: int
    state: ServerState

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"


def resolve_accounts(accounts: dict[str, Account] | Path | str | None) -> dict[str, Account]:
    if isinstance(accounts, dict):
        return accounts
    return load_accounts(accounts)


@contextlib.contextmanager
def serving_in_thread(
    config: uvicorn.Config, name: str = "routify-reference-server"
) -> Iterator[NotifyingServer]:
    """Run any ASGI app of ``config`` in a daemon thread; yield the started server.

    The socket is bound here first (a taken port raises :class:`ServerStartError` at once);
    the block's end asks the server to exit and joins its thread. Test helpers that serve a
    fake or a proxy use this too, so there is one way to start and stop a server in-process.
    """
    server = NotifyingServer(config, capture_signals=False)
    sock = bind_socket(config.host, config.port)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as error:  # e.g. the app failed its startup
            failure.append(error)
        finally:
            server.ready.set()

    thread = threading.Thread(target=serve, name=name, daemon=True)
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            reason = f": {failure[0]!r}" if failure else ""
            raise ServerStartError(f"{name} did not start on {config.host}:{config.port}{reason}")
        yield server
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        sock.close()


@contextlib.contextmanager
def running_server(
    host: str = "127.0.0.1",
    port: int = 0,
    ttft_ms: float = 0,
    itl_ms: float = 0,
    accounts: dict[str, Account] | Path | str | None = None,
    capacity_tokens_per_s: float = 0.0,
    max_concurrency: int = 0,
) -> Iterator[RunningServer]:
    """Serve the reference server in a background thread for the ``with`` block."""
    settings = Settings(
        ttft_ms=ttft_ms,
        itl_ms=itl_ms,
        capacity_tokens_per_s=capacity_tokens_per_s,
        max_concurrency=max_concurrency,
    )
    config = build_config(host, port, resolve_accounts(accounts), settings)
    with serving_in_thread(config) as server:
        state: ServerState = server.config.app.state.routify
        yield RunningServer(host=host, port=server.bound_port, state=state)
