"""The embedded reference server: a faithful, deterministic implementation of the spec page.

``running_server()`` starts it in-process on a free port (tests, the suites' embedded default);
``routify-suite serve`` runs it in the foreground. The names below are imported on first use, so
that the pure helpers of this package (``tokenizer``, ``money``, ``catalog``...) can be imported
without Starlette and uvicorn.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from routify_suite.server.app import create_app
    from routify_suite.server.runner import (
        RunningServer,
        ServerStartError,
        running_server,
        serving_in_thread,
    )

_HOMES = {
    "create_app": "routify_suite.server.app",
    "RunningServer": "routify_suite.server.runner",
    "ServerStartError": "routify_suite.server.runner",
    "running_server": "routify_suite.server.runner",
    "serving_in_thread": "routify_suite.server.runner",
}

__all__ = [
    "RunningServer",
    "ServerStartError",
    "create_app",
    "running_server",
    "serving_in_thread",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
