"""Turning a request body into a validated request, or the 400 that says what is wrong.

The schema (``schemas/chat-completion-request.json``) is the source of truth; this module adds
only what a schema cannot say (``tool_choice`` must name a listed tool). Results are cached by
body bytes: a load test repeats the same body, and validating it again would cost more than
answering it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

import orjson

from routify_suite.schemas import REQUEST, validator, violations
from routify_suite.server.errors import ApiError, invalid_request


def _param_of(path: str, message: str) -> str | None:
    """The top-level request field a violation is about (``$.messages[0].role`` -> messages)."""
    if path == "$":
        # A missing required property: jsonschema says "'model' is a required property".
        return message.split("'")[1] if message.count("'") >= 2 else None
    head = path[2:]
    for separator in (".", "["):
        head = head.split(separator, 1)[0]
    return head or None


def _semantic_error(request: dict[str, Any]) -> ApiError | None:
    tools = request.get("tools")
    choice = request.get("tool_choice")
    if choice is not None and choice != "none" and not tools:
        return invalid_request(
            "'tool_choice' is only allowed when 'tools' are specified.", param="tool_choice"
        )
    if isinstance(choice, dict):
        wanted = choice["function"]["name"]
        if all(tool["function"]["name"] != wanted for tool in tools or ()):
            return invalid_request(
                f"tool_choice names function {wanted!r}, which is not in 'tools'.",
                param="tool_choice",
            )
    return None


@lru_cache(maxsize=4096)
def _parse(body: bytes) -> tuple[dict[str, Any] | None, ApiError | None]:
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return None, invalid_request(
            f"We could not parse the JSON body of your request: {error}", code="invalid_json"
        )
    if not isinstance(request, dict):
        return None, invalid_request("The request body must be a JSON object.")
    if not validator(REQUEST).is_valid(request):
        first = violations(REQUEST, request)[0]
        return None, invalid_request(
            f"Invalid request at {first.path}: {first.message}",
            param=_param_of(first.path, first.message),
            code="invalid_value",
        )
    error = _semantic_error(request)
    return (None, error) if error else (request, None)


def parse_request(body: bytes) -> dict[str, Any]:
    """The validated request; raises the 400 :class:`ApiError` otherwise.

    The returned dict is shared through the cache: callers must not modify it.
    """
    request, error = _parse(body)
    if error is not None:
        raise replace(error)  # a fresh exception: the cached one must not collect tracebacks
    assert request is not None
    return request
