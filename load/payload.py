"""The request bodies the load users send (shared with the benchmarks; no Locust import)."""

from __future__ import annotations

from typing import Any, Final

import orjson

PATH: Final = "/chat/completions"
DEFAULT_MODEL: Final = "deepseek-v3.2"
DEFAULT_MAX_TOKENS: Final = 64
PROMPTS: Final = (
    "Capital of France?",
    "Explain TCP slow start in two sentences.",
    "Write a haiku about load testing.",
    "List three prime numbers above 100.",
)


def request_body(
    stream: bool,
    model: str = DEFAULT_MODEL,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    prompt: str = PROMPTS[0],
) -> bytes:
    """A chat completion; a streaming one asks for the usage chunk (token counts)."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": "You are concise."},
            {"role": "user", "content": prompt},
        ],
        "max_tokens": max_tokens,
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    return orjson.dumps(body)
