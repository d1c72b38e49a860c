"""Arguments for a tool call, built from the tool's JSON Schema so they validate against it.

Covers what function schemas use in practice (objects, arrays, scalars, enum/const, bounds,
string lengths, anyOf/oneOf/allOf, local ``$ref``); values are drawn from a seeded PRNG so the
same request yields the same arguments.
"""

from __future__ import annotations

import random
from typing import Any, Final

_WORDS: Final = ("paris", "lisbon", "oslo", "kyoto", "lima", "cairo", "quito", "perth")
_FORMATS: Final = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "ipv4": "192.0.2.1",
}
_MAX_DEPTH: Final = 6


def build_arguments(schema: dict[str, Any] | None, rng: random.Random) -> dict[str, Any]:
    """A JSON object that satisfies ``schema`` (the tool's ``parameters``)."""
    if not schema:
        return {}
    value = _value(schema, rng, schema, 0)
    return value if isinstance(value, dict) else {}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}
    return schema


def _value(schema: Any, rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict):
        return None
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for combinator in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(combinator)
        if isinstance(branches, list) and branches:
            merged = {k: v for k, v in schema.items() if k != combinator}
            for branch in branches[:1] if combinator != "allOf" else branches:
                merged = _merge(merged, _resolve(branch, root))
            return _value(merged, rng, root, depth)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if depth >= _MAX_DEPTH and kind in ("object", "array"):
        kind = "null" if "null" in str(schema.get("type")) else kind
    return _BUILDERS.get(kind, _string)(schema, rng, root, depth)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        elif key == "required" and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def _object(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or () if isinstance(name, str)]
    names = list(properties) + [name for name in required if name not in properties]
    return {name: _value(properties.get(name, {}), rng, root, depth + 1) for name in names}


def _array(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    low = int(schema.get("minItems", 1))
    high = int(schema.get("maxItems", max(low, 2)))
    count = max(low, min(high, 2)) if depth < _MAX_DEPTH else low
    items = schema.get("items", {})
    if schema.get("uniqueItems"):
        values: list[Any] = []
        for attempt in range(count * 8):
            value = _value(items, rng, root, depth + 1)
            if value not in values:
                values.append(value)
            if len(values) == count or attempt > count * 8:
                break
        return values
    return [_value(items, rng, root, depth + 1) for _ in range(count)]


def _string(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    text = _FORMATS.get(schema.get("format", ""), rng.choice(_WORDS))
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    while len(text) < low:
        text += rng.choice(_WORDS)
    return text[: int(high)] if high is not None else text


def _number(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    integer = schema.get("type") == "integer"
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", low + 100))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        low = low + 1 if integer else low + (high - low) / 4
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        high = high - 1 if integer else high - (high - low) / 4
    if integer:
        low, high = int(-(-low // 1)), int(high // 1)
        value: int | float = rng.randint(low, high) if low <= high else int(low)
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int) and multiple > 0:
            value = -(-value // multiple) * multiple
            if value > high:
                value -= multiple
        return value
    return min(max(round(rng.uniform(low, high), 2), low), high) if low < high else low


def _boolean(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    return rng.random() < 0.5


def _null(schema: dict[str, Any], rng: random.Random, root: dict[str, Any], depth: int) -> Any:
    return None


_BUILDERS: Final = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": _boolean,
    "null": _null,
}
