"""What the CLI and its Locust processes share: file names, the key's variable, JSON I/O.

Kept apart from ``plugin.py`` because importing Locust monkey-patches the process with
gevent; the CLI reads these files without ever importing Locust.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

KEY_ENV: Final = "ROUTIFY_API_KEY"
"""The environment variable that carries the API key to Locust processes (never argv)."""
REFERENCE_KEY: Final = "rtf_local_valid"
"""The reference server's always-valid key, the default when no key is given."""
CLI_ENV: Final = "ROUTIFY_LOAD_CLI"
"""Set to 1 in Locust processes the CLI starts: the CLI writes the report, not the master."""
METRICS_FILE: Final = "metrics.json"
"""Written by the master (or lone local process) when it quits: run info and merged metrics."""
LIVE_FILE: Final = "live.json"
"""Rewritten about once a second while the run goes: users, requests, failures (progress)."""


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write atomically, so a reader polling the file never sees half of it; the directory is
    created on demand (a plain ``locust --metrics-dir reports/load`` in a fresh clone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    temporary.replace(path)


def read_json(path: Path) -> dict[str, Any] | None:
    """The document, or None when the file is absent or not (yet) readable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None
