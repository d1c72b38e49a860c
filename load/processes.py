"""Child processes of a load run: the reference server and the Locust master/workers.

Locust monkey-patches its process with gevent, so neither the server nor the CLI shares a process
with it. Every wait here has a deadline, and every child is stopped in the end, whatever happened.
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

SERVING: Final = re.compile(r"^Serving on (https?://\S+)\s*$")
SERVER_START_TIMEOUT_S: Final = 20.0
STOP_GRACE_S: Final = 5.0


class ProcessError(RuntimeError):
    """A child that would not start or finish; the message is one line."""


def stop(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], grace_s: float = STOP_GRACE_S
) -> None:
    """Terminate, then kill if it does not go within the grace period."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace_s)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lines_into(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class ReferenceServer:
    """``routify-suite serve --port 0`` as a child; :attr:`base_url` once it says it serves."""

    def __init__(
        self,
        log_path: Path,
        ttft_ms: float = 0,
        itl_ms: float = 0,
        capacity_tokens_per_s: float = 0,
        max_concurrency: int = 0,
    ) -> None:
        command = [
            sys.executable,
            "-c",
            "from routify_suite.cli import run; run()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]
        if ttft_ms:
            command += ["--ttft-ms", str(ttft_ms)]
        if itl_ms:
            command += ["--itl-ms", str(itl_ms)]
        if capacity_tokens_per_s:
            command += ["--capacity-tokens-per-s", str(capacity_tokens_per_s)]
        if max_concurrency:
            command += ["--max-concurrency", str(max_concurrency)]
        self._log = log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1
        )
        self.base_url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        lines: queue.Queue[str | None] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=_lines_into, args=(self.process.stdout, lines), daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=SERVER_START_TIMEOUT_S)
            except queue.Empty:
                self.close()
                raise ProcessError(
                    f"the reference server did not start within {SERVER_START_TIMEOUT_S:g} s"
                ) from None
            if line is None:
                self.close()
                raise ProcessError(
                    f"the reference server exited (code {self.process.wait()}) before serving;"
                    f" see {self._log.name}"
                )
            match = SERVING.match(line)
            if match:
                return match.group(1)

    def close(self) -> None:
        stop(self.process)
        self._log.close()

    def __enter__(self) -> ReferenceServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def start_locust(
    arguments: Sequence[str], log_path: Path, secret_env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """``python -m locust ARGS``, output to ``log_path``; secrets only in its environment."""
    env = {**os.environ, **secret_env, "PYTHONUNBUFFERED": "1"}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "locust", *arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
