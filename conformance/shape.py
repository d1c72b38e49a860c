"""The normalized shape of a response: the keys the schemas know, and the JSON type of each.

Values are masked (ids, text, numbers change every call), unknown keys are left out (extra
fields are legal) and key order is sorted, so two conforming releases of a server give the same
shape and a snapshot diff means the documented structure drifted.
"""

from __future__ import annotations

from typing import Any

from referencing._core import Resolver

from routify_suite import schemas


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _resolve(node: Any, resolver: Resolver) -> tuple[Any, Resolver]:
    while isinstance(node, dict) and "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node, resolver


def _branch(node: Any, value: Any, resolver: Resolver) -> tuple[Any, Resolver]:
    """The oneOf/anyOf branch that describes the value's structure, if there is one."""
    node, resolver = _resolve(node, resolver)
    for keyword in ("oneOf", "anyOf"):
        for option in node.get(keyword, []) if isinstance(node, dict) else []:
            candidate, candidate_resolver = _resolve(option, resolver)
            if isinstance(value, dict) and "properties" in candidate:
                return candidate, candidate_resolver
            if isinstance(value, list) and "items" in candidate:
                return candidate, candidate_resolver
    return node, resolver


def _shape(node: Any, value: Any, resolver: Resolver) -> Any:
    node, resolver = _branch(node, value, resolver)
    if isinstance(value, dict):
        known = node.get("properties", {}) if isinstance(node, dict) else {}
        return {
            key: _shape(known[key], value[key], resolver) for key in sorted(value) if key in known
        }
    if isinstance(value, list):
        items = node.get("items", {}) if isinstance(node, dict) else {}
        shapes = {repr(s): s for s in (_shape(items, item, resolver) for item in value)}
        return [shapes[key] for key in sorted(shapes)]
    return json_type(value)


def shape_of(schema_name: str, document: Any) -> Any:
    """The normalized shape of ``document`` under schema ``schema_name``."""
    schema = schemas.load_schema(schema_name)
    resolver = schemas.registry().resolver(base_uri=schema["$id"])
    return _shape(schema, document, resolver)


def stream_shape(chunks: list[dict[str, Any]]) -> list[Any]:
    """The distinct chunk shapes of a stream (their count varies with the text, not the shape)."""
    shapes = {repr(s): s for s in (shape_of(schemas.CHUNK, chunk) for chunk in chunks)}
    return [shapes[key] for key in sorted(shapes)]
