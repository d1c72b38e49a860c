"""The schemas in ``schemas/`` accept what the spec allows and reject what it does not."""

from __future__ import annotations

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


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_violations_quote_a_spec_rule(name: str) -> None:
    """Every property of every schema carries a description citing the spec or OpenAI."""
    schema = schemas.load_schema(name)
    for path, node in _constraint_nodes(schema):
        if "/properties/" not in path or path.rsplit("/", 2)[-2] != "properties":
            continue
        description = node.get("description", "")
        if description:
            assert "Spec" in description or "OpenAI compatibility" in description, path


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
