"""Datasets for ``--dataset FILE``: JSON Lines of messages, or ShareGPT conversations.

JSON Lines of ``{"messages": [...], "max_tokens": N?}`` give one request a line; ShareGPT files
(``{"conversations": [{"from": "human", "value": ...}, ...]}``, as JSON Lines or one JSON array)
give multi-turn conversations, each reply's token count capping the matching request, as vLLM's
benchmark does. Any problem is one line naming the file and the record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final


class DatasetError(ValueError):
    """A dataset that cannot be used; the message is one line naming the file and record."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """One dataset entry: the first request's messages, later user turns, reply lengths."""

    opening: tuple[dict[str, Any], ...]
    follow_ups: tuple[str, ...] = ()
    max_tokens: tuple[int | None, ...] = ()
    """Per turn, the ``max_tokens`` the dataset gives (None: the run's own)."""


def read_dataset(path: Path, count: Callable[[str], int]) -> list[Conversation]:
    """Read a JSONL-of-messages or ShareGPT file; ``count`` measures ShareGPT replies."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"--dataset {path}: cannot read it ({error})") from None
    try:
        if text.lstrip().startswith("["):
            records = json.loads(text)
            numbered = list(enumerate(records if isinstance(records, list) else [], 1))
        else:
            numbered = [
                (number, json.loads(line))
                for number, line in enumerate(text.splitlines(), 1)
                if line.strip()
            ]
    except ValueError as error:
        raise DatasetError(f"--dataset {path}: not JSON Lines or a JSON array ({error})") from None
    conversations = [_conversation(record, f"{path}:{n}", count) for n, record in numbered]
    if not conversations:
        raise DatasetError(f"--dataset {path}: no conversations in it")
    return conversations


def _conversation(record: Any, where: str, count: Callable[[str], int]) -> Conversation:
    if isinstance(record, dict) and isinstance(record.get("messages"), list):
        messages = record["messages"]
        if not messages or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages
        ):
            raise DatasetError(f"--dataset {where}: messages must be objects with a role")
        cap = record.get("max_tokens")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise DatasetError(f"--dataset {where}: max_tokens must be a positive integer")
        return Conversation(tuple(messages), (), (cap,))
    if isinstance(record, dict) and isinstance(record.get("conversations"), list):
        return _sharegpt(record["conversations"], where, count)
    raise DatasetError(
        f"--dataset {where}: expected {{'messages': [...]}} or {{'conversations': [...]}}"
    )


_SHAREGPT_ROLES: Final = {"human": "user", "user": "user", "gpt": "assistant"}
_SHAREGPT_ROLES |= {"assistant": "assistant", "system": "system", "chatgpt": "assistant"}


def _sharegpt(turns: list[Any], where: str, count: Callable[[str], int]) -> Conversation:
    """User turns in order; each assistant reply's token count caps the matching request."""
    system: list[dict[str, Any]] = []
    users: list[str] = []
    caps: list[int | None] = []
    for turn in turns:
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            raise DatasetError(f"--dataset {where}: each turn needs 'from' and a 'value' text")
        role = _SHAREGPT_ROLES.get(str(turn.get("from")).lower())
        if role == "system" and not users:
            system.append({"role": "system", "content": turn["value"]})
        elif role == "user":
            users.append(turn["value"])
            caps.append(None)
        elif role == "assistant" and users and caps[-1] is None:
            caps[-1] = max(1, count(turn["value"]))
    if not users:
        raise DatasetError(f"--dataset {where}: the conversation has no human turn")
    opening = (*system, {"role": "user", "content": users[0]})
    return Conversation(opening, tuple(users[1:]), tuple(caps))
