"""What every catalogue module shares: case selections and the two ways to declare an entry.

``select`` is a pytest ``-k`` expression over the conformance suite's case ids.
"""

from __future__ import annotations

from typing import Any

from tests.mutation.deviation import Deviation

STREAMS = "stream and not concurrency"
RESPONSES = "response"
ERRORS = "error"
AUTH = "401"
MAX_TOKENS = "max_tokens"
STOP = "stop"
JSON_MODE = "json"
TOOLS = "tool"
REJECTED = "rejected"
AUTO = "auto"
USAGE_STREAM = "stream and usage"


def deviation(
    name: str, area: str, summary: str, select: str, caught_by: tuple[str, ...], **hooks: Any
) -> Deviation:
    return Deviation(name, "deviation", area, summary, select, caught_by, **hooks)


def variation(name: str, area: str, summary: str, **hooks: Any) -> Deviation:
    """A legal variation runs the whole suite: it must pass every case, not just related ones."""
    return Deviation(name, "variation", area, summary, "", (), **hooks)


SSE_SCHEMA = ("stream.chunk-schema",)
