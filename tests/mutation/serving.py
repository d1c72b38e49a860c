"""The deviation proxy, served in a thread in front of a running reference server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn

from routify_suite.server.runner import serving_in_thread
from tests.mutation.catalogue import ALL
from tests.mutation.proxy import create_proxy


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
    with serving_in_thread(config, name="deviation proxy") as server:
        yield f"http://127.0.0.1:{server.bound_port}"
