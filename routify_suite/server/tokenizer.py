"""A small deterministic tokenizer that counts prompts and completions the same way.

A token is a word or one punctuation mark, with the whitespace before it; trailing whitespace
is a token of its own. The split is lossless (``"".join(tokenize(t)) == t``), so a completion
streamed one token per delta reassembles to exactly the text counted in ``usage``.
Each message costs 3 tokens of framing plus its text: the spec's example (system
"You are concise." and user "Capital of France?") counts 14 prompt tokens, as the page says.
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

_TOKEN: Final = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")
MESSAGE_FRAMING_TOKENS: Final = 3


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return count_tokens(content)
    if isinstance(content, list):
        return sum(count_tokens(part.get("text", "")) for part in content if isinstance(part, dict))
    return 0


def count_prompt_tokens(request: dict[str, Any]) -> int:
    """Tokens of every message (framing, name, content, tool calls) and of the tool list."""
    total = 0
    for message in request["messages"]:
        total += MESSAGE_FRAMING_TOKENS + _content_tokens(message.get("content"))
        if "name" in message:
            total += count_tokens(message["name"])
        for call in message.get("tool_calls") or ():
            function = call.get("function", {})
            total += count_tokens(function.get("name", "")) + count_tokens(
                function.get("arguments", "")
            )
    tools = request.get("tools")
    if tools:
        total += count_tokens(orjson.dumps(tools).decode())
    return total
