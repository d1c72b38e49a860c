"""Deviations only generated requests reach: the fixed cases pass them, ``--fuzz`` fails them.

Each breaks the spec for inputs none of the ~110 fixed bodies contains (a tool whose
parameters nest an object, a top_p between 0 and 0.1, a stop array mixing a number among
strings), the way real servers break on inputs nobody thought of. ``select`` picks the fixed
cases about the same parameter, which must pass; ``caught_by`` names the checks a ``--fuzz``
run must fail.
"""

from __future__ import annotations

from typing import Any

from routify_suite import schemas
from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation, Upstream

INTERNAL_ERROR_MODEL = "test-internal-error"
"""The reference server's model that answers 500 (fixtures/targets/local.toml)."""


def _nests_an_object(schema: Any) -> bool:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return isinstance(properties, dict) and any(
        isinstance(value, dict) and value.get("type") == "object" for value in properties.values()
    )


def nested_tool_schema_fails(upstream: Upstream) -> Upstream:
    """A server whose tool-schema converter, after validation, crashes on an object inside an
    object: 500 for a valid request."""
    document = upstream.document()
    if not schemas.is_valid(schemas.REQUEST, document):
        return upstream
    tools = document.get("tools")
    if not isinstance(tools, list) or not any(
        isinstance(tool, dict)
        and isinstance(tool.get("function"), dict)
        and _nests_an_object(tool["function"].get("parameters"))
        for tool in tools
    ):
        return upstream
    return upstream.with_document({**document, "model": INTERNAL_ERROR_MODEL})


def created_as_string_at_low_top_p(document: dict[str, Any], upstream: Upstream) -> None:
    request = upstream.document()
    top_p = request.get("top_p") if isinstance(request, dict) else None
    if isinstance(top_p, int | float) and 0 < top_p < 0.1:
        document["created"] = str(document["created"])


def stop_mixed_accepted(upstream: Upstream) -> Upstream:
    """A server that drops the non-strings of a stop array that has strings, and answers 200."""
    document = upstream.document()
    stop = document.get("stop") if isinstance(document, dict) else None
    if not isinstance(stop, list):
        return upstream
    strings = [item for item in stop if isinstance(item, str)]
    if not strings or len(strings) == len(stop):
        return upstream
    return upstream.with_document({**document, "stop": strings})


def _on_success_with_request(change: Any) -> Any:
    """Like transforms.on_success, with the request the reply answers."""

    def apply(reply: Any, upstream: Upstream) -> Any:
        return t.on_success(lambda document: change(document, upstream))(reply, upstream)

    return apply


def generated(
    name: str, area: str, summary: str, select: str, caught_by: tuple[str, ...], **hooks: Any
) -> Deviation:
    return Deviation(name, "generated", area, summary, select, caught_by, **hooks)


GENERATED_DEVIATIONS: tuple[Deviation, ...] = (
    generated(
        "nested-tool-schema-500",
        "params",
        "500 when a tool's parameters nest an object inside an object",
        "tool",
        ("params.server-error",),
        request=nested_tool_schema_fails,
    ),
    generated(
        "created-string-low-top-p",
        "shape",
        "created sent as a string when 0 < top_p < 0.1",
        "top",
        ("response.schema",),
        reply=_on_success_with_request(created_as_string_at_low_top_p),
    ),
    generated(
        "stop-mixed-accepted",
        "params",
        "a stop array mixing a number among strings answered 200",
        "stop",
        ("params.rejected",),
        request=stop_mixed_accepted,
    ),
)
