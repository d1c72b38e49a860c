"""Small helpers shared by the server and load tests: request bodies, keys, a plain Locust run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from routify_suite.load.files import KEY_ENV, REFERENCE_KEY

VALID_KEY: Final = "rtf_local_valid"
QUESTION: Final = [
    {"role": "system", "content": "You are concise."},
    {"role": "user", "content": "Capital of France?"},
]


def auth(key: str = VALID_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def chat(model: str = "deepseek-v3.2", **fields: Any) -> dict[str, Any]:
    """A valid request body (the spec's example) with ``fields`` added or replaced."""
    return {"model": model, "messages": QUESTION, **fields}


def run_plain_locust(
    locustfiles: str, *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``locust -f LOCUSTFILES --headless ARGUMENTS`` as a user runs it, with the reference
    server's key in the environment; bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", locustfiles, "--headless", *arguments],
        cwd=cwd,
        env={**os.environ, KEY_ENV: REFERENCE_KEY},
        capture_output=True,
        text=True,
        timeout=120,
    )
