"""The changes tolerated departures are made of: what only OpenAI's contract asks, and no
client acts on (each must pass by default and fail under --strict)."""

from __future__ import annotations

from tests.mutation.deviation import Reply
from tests.mutation.transforms import Doc, drop, edit_error, put


def accept_empty_tools(document: Doc) -> None:
    """A server that takes ``tools: []`` as no tools (OpenAI answers 400)."""
    if document.get("tools") == []:
        document.pop("tools")


def accept_five_stops(document: Doc) -> None:
    """A server that takes more than OpenAI's four stop sequences."""
    stop = document.get("stop")
    if isinstance(stop, list) and len(stop) > 4:
        document["stop"] = stop[:4]


error_without_param = edit_error(drop("param"))
"""The error envelope leaves out the nullable ``param``."""


def integer_error_code(reply: Reply) -> Reply:
    """The error envelope's ``code`` is the HTTP status as an integer."""
    return edit_error(put(reply.status, "code"))(reply)


def finish_reason_only_last(chunk: Doc, _: int) -> None:
    """Chunks leave out ``finish_reason: null`` until the one that finishes."""
    for choice in chunk.get("choices", []):
        if choice.get("finish_reason") is None:
            choice.pop("finish_reason", None)
