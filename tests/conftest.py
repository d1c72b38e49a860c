"""Shared fixtures: the reference server, started once per test session.

Like httpx's own conftest: uvicorn in a thread, signal handlers off, started before the first
test that asks for it and stopped in ``finally`` (inside ``running_server``). Tests that need
private state (an exact ledger, a fresh rate-limit bucket) start their own server instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.server import RunningServer, running_server
from tests.installed import build_wheel_venv


@pytest.fixture(scope="session")
def reference_server() -> Iterator[RunningServer]:
    """The reference server with the default accounts and no artificial latency."""
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with this checkout's wheel and its load extra, built once per session."""
    return build_wheel_venv(tmp_path_factory.mktemp("wheel"))
