"""The schemas in ``schemas/`` accept what the spec allows and reject what it does not."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from routify_suite import schemas
from tests.schema_suite import SchemaCase, schema_cases

CASES = list(schema_cases())


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_schema_is_valid_2020_12(name: str) -> None:
    schema = schemas.load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_schema_has_cases(name: str) -> None:
    kinds = {case.valid for case in CASES if case.schema == name}
    assert kinds == {True, False}, f"{name} needs both valid and invalid cases"


def test_case_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_schema_case(case: SchemaCase) -> None:
    found = schemas.violations(case.schema, case.data)
    if case.valid:
        assert found == [], [str(violation) for violation in found]
    else:
        assert found, f"{case.schema} accepted {case.data!r}"
        assert all(violation.rule for violation in found), "every violation names its spec rule"


def _constraint_nodes(node: object, path: str = "$") -> list[tuple[str, dict]]:
    """Schema nodes that constrain a value (have a type, const, enum, bound or pattern)."""
    found: list[tuple[str, dict]] = []
    if isinstance(node, dict):
        constraining = {"type", "const", "enum", "minimum", "maximum", "pattern", "minLength"}
        if constraining & node.keys():
            found.append((path, node))
        for key, value in node.items():
            found.extend(_constraint_nodes(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_constraint_nodes(value, f"{path}/{index}"))
    return found


def _referenced(ref: str) -> dict[str, Any]:
    """The schema a $ref of ours points at: ``#/$defs/x`` (in any of our files) or ``file.json``."""
    if ref.endswith(".json"):
        return schemas.load_schema(ref.removesuffix(".json"))
    name = ref.rsplit("/", 1)[-1]
    return next(
        schemas.load_schema(s)["$defs"][name]
        for s in schemas.SCHEMA_NAMES
        if name in schemas.load_schema(s).get("$defs", {})
    )


def _rules(node: Any, path: str = "$", inherited: str = "") -> list[tuple[str, str]]:
    """(property path, the rule it answers to): its own description, else its nearest owner's."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        own = node.get("description")
        if not own and isinstance(node.get("$ref"), str):
            own = _referenced(node["$ref"]).get("description")  # a bare $ref answers to its target
        rule = own if isinstance(own, str) and own else inherited
        if path.rsplit("/", 2)[-2:-1] == ["properties"]:
            found.append((path, rule))
        for key, value in node.items():
            # A definition answers to its own description, not to the document's.
            found.extend(
                _rules(value, f"{path}/{key}", "" if key == "$defs" or path == "$" else rule)
            )
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_rules(value, f"{path}/{index}", inherited))
    return found


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_property_answers_to_a_quoted_rule(name: str) -> None:
    """Each property's rule is its own description or that of the object or definition it
    belongs to (never the whole document's), and each rule cites the spec or OpenAI."""
    schema = schemas.load_schema(name)
    rules = _rules(schema, inherited="")
    assert rules
    for path, rule in rules:
        assert rule, f"{path}: no description on it or on the object it belongs to"
        assert "Spec" in rule or "OpenAI compatibility" in rule, (path, rule)


def test_refs_resolve_across_files() -> None:
    """routify.json is shared by $ref; a bad block fails the response schema through it."""
    response = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "routify": {"channel": "", "latency_ms": 0, "cost_usd": 0},
    }
    [violation] = schemas.violations(schemas.RESPONSE, response)
    assert violation.path == "$.routify.channel"
    assert "channel" in violation.rule


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="unknown schema"):
        schemas.load_schema("nope")
