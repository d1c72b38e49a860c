"""Small helpers shared by the server tests: request bodies and keys."""

from __future__ import annotations

from typing import Any, Final

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
