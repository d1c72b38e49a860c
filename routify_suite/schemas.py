"""The JSON Schemas in ``schemas/`` as ready validators.

The conformance checks and the reference server's request validation both ask this module, so
a shape is written once, in the schema files.
Failures come back as :class:`SchemaViolation` objects that carry the spec rule the violated
constraint quotes, so a failing check can say where in the spec its expectation comes from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from routify_suite.paths import SCHEMAS_DIR

REQUEST: Final = "chat-completion-request"
RESPONSE: Final = "chat-completion-response"
CHUNK: Final = "chat-completion-chunk"
ERROR: Final = "error"
ROUTIFY: Final = "routify"
SCHEMA_NAMES: Final = (REQUEST, RESPONSE, CHUNK, ERROR, ROUTIFY)


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One way a document breaks a schema, phrased for a report."""

    path: str
    """JSON path of the offending value, e.g. ``$.choices[0].finish_reason``."""
    message: str
    """What jsonschema says is wrong."""
    rule: str
    """The schema's ``description`` nearest to the failed keyword: the spec line it comes from."""
    keyword: str
    """The JSON Schema keyword that failed (``type``, ``required``, ``maximum``...)."""
    omits_nullable: bool = False
    """A required field is absent whose schema admits null: a reader sees null either way."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed schema ``schemas/<name>.json``."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    with (SCHEMAS_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def registry() -> Registry:
    """All schemas, addressable by their ``$id`` so relative ``$ref`` between files resolve."""
    resources = [Resource.from_contents(load_schema(name)) for name in SCHEMA_NAMES]
    return Registry().with_resources((resource.id(), resource) for resource in resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """A reusable validator for one schema (building one is the slow part, so it is cached)."""
    return Draft202012Validator(load_schema(name), registry=registry())


def json_path(error: ValidationError) -> str:
    """Render an error's location as a JSON path (``$`` is the document root)."""
    parts = ["$"]
    for element in error.absolute_path:
        parts.append(f"[{element}]" if isinstance(element, int) else f".{element}")
    return "".join(parts)


def rule_of(name: str, error: ValidationError) -> str:
    """The last ``description`` met walking from the schema root to the failed keyword.

    The walk follows ``$ref`` into the other schema files, so a constraint without a description
    of its own reports the rule of the nearest enclosing node that has one.
    """
    node: Any = load_schema(name)
    resolver = registry().resolver(base_uri=node["$id"])
    rule = node.get("description", "")
    for key in error.absolute_schema_path:
        # jsonschema leaves "$ref" out of the path: step through a reference when the key is
        # not in the node itself.
        while isinstance(node, dict) and key not in node and "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            node, resolver = resolved.contents, resolved.resolver
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("description"), str):
            rule = node["description"]
    return rule


def admits_null(schema: Any) -> bool:
    """True when ``schema`` (without following $ref) accepts null."""
    if not isinstance(schema, dict):
        return schema is True
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "const" in schema and schema["const"] is None:
        return True
    if None in schema.get("enum", ()):
        return True
    return any(admits_null(branch) for key in ("oneOf", "anyOf") for branch in schema.get(key, ()))


def omits_nullable(error: ValidationError) -> bool:
    """A ``required`` failure about a property whose own schema admits null."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return False
    properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    missing = [
        name
        for name in error.validator_value
        if name not in error.instance and error.message.startswith(repr(name))
    ]
    return bool(missing) and admits_null(properties.get(missing[0]))


def violations(
    name: str, document: Any, using: Draft202012Validator | None = None
) -> list[SchemaViolation]:
    """Every violation of schema ``name`` by ``document``, sorted by path; empty when valid.

    ``using`` validates with a schema derived from ``name`` (e.g. one that makes an extension
    optional); rules are still quoted from ``name``'s descriptions.
    """
    found: list[SchemaViolation] = []
    for error in (using or validator(name)).iter_errors(document):
        # best_match descends into oneOf/anyOf to the branch the document came closest to.
        leaf = best_match([error])
        found.append(
            SchemaViolation(
                path=json_path(leaf),
                message=leaf.message,
                rule=rule_of(name, leaf),
                keyword=str(leaf.validator),
                omits_nullable=omits_nullable(leaf),
            )
        )
    return sorted(found, key=lambda violation: (violation.path, violation.keyword))


def is_valid(name: str, document: Any) -> bool:
    """True when ``document`` satisfies schema ``name``."""
    return validator(name).is_valid(document)
