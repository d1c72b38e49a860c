"""Shared fixtures: the reference server, started once per test session.

Like httpx's own conftest: uvicorn in a thread, signal handlers off, started before the first
test that asks for it and stopped in ``finally`` (inside ``running_server``). Tests that need
private state (an exact ledger, a fresh rate-limit bucket) start their own server instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from routify_suite.server import RunningServer, running_server


@pytest.fixture(scope="session")
def reference_server() -> Iterator[RunningServer]:
    """The reference server with the default accounts and no artificial latency."""
    with running_server() as server:
        yield server
