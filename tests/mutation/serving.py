"""The deviation proxy, served in a thread in front of a running reference server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import uvicorn

from routify_suite.server.runner import NotifyingServer, ServerStartError
from tests.mutation.catalogue import ALL
from tests.mutation.proxy import create_proxy

STARTUP_TIMEOUT_S = 30.0


@contextlib.contextmanager
def running_proxy(upstream_base: str) -> Iterator[str]:
    """Yield the proxy's root URL; ``<root>/<deviation>/v1`` is a base URL for the suite."""
    config = uvicorn.Config(
        create_proxy(upstream_base, ALL),
        host="127.0.0.1",
        port=0,
        lifespan="on",
        access_log=False,
        log_level="critical",
        timeout_graceful_shutdown=1,
    )
    server = NotifyingServer(config, capture_signals=False)
    thread = threading.Thread(target=server.run, name="deviation-proxy", daemon=True)
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            raise ServerStartError("deviation proxy did not start")
        yield f"http://127.0.0.1:{server.bound_port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
