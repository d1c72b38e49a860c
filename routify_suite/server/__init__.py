"""The embedded reference server: a faithful, deterministic implementation of the spec page.

``running_server()`` starts it in-process on a free port (tests, the suites' embedded default);
``routify-suite serve`` runs it in the foreground.
"""

from routify_suite.server.app import create_app
from routify_suite.server.runner import (
    RunningServer,
    ServerStartError,
    running_server,
    serving_in_thread,
)

__all__ = [
    "RunningServer",
    "ServerStartError",
    "create_app",
    "running_server",
    "serving_in_thread",
]
