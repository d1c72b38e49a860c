"""`routify-suite serve`: the announced URL, and one-line errors for bad configuration."""

from __future__ import annotations

import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from routify_suite.cli import main
from routify_suite.server import ServerStartError, running_server
from tests.server_helpers import auth, chat

ANNOUNCE_TIMEOUT_S = 30


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The process's next stdout line, or "" if none comes within ``timeout`` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from routify_suite.cli import run; run()", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, read_line(process, ANNOUNCE_TIMEOUT_S)
    finally:
        process.terminate()
        process.wait(ANNOUNCE_TIMEOUT_S)


def test_serve_announces_its_url(served: tuple[subprocess.Popen[str], str]) -> None:
    _, line = served
    assert line.startswith("Serving on http://127.0.0.1:")
    base_url = line.removeprefix("Serving on ").strip()
    assert base_url.endswith("/v1")
    response = httpx.post(f"{base_url}/chat/completions", json=chat(), headers=auth(), timeout=10)
    assert response.status_code == 200


def test_serve_stops_cleanly_on_sigterm(served: tuple[subprocess.Popen[str], str]) -> None:
    process, line = served
    assert line
    process.terminate()
    assert process.wait(ANNOUNCE_TIMEOUT_S) in (0, -15)
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


def test_bad_accounts_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "accounts.toml"
    broken.write_text("[[accounts]]\nkey = 'rtf_x_valid'\nbalance_usd = 'many'\n")
    assert main(["serve", "--accounts", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "accounts[0].balance_usd" in err


def test_taken_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with running_server() as server:
        assert main(["serve", "--port", str(server.port)]) == 2
        with pytest.raises(ServerStartError, match="cannot listen"):
            running_server(port=server.port).__enter__()
    err = capsys.readouterr().err.strip()
    assert err.startswith("routify-suite serve: cannot listen on 127.0.0.1:")
    assert len(err.splitlines()) == 1


def test_negative_delay_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--itl-ms", "-5"]) == 2
