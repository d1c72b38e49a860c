"""The check registry is the one source of check ids: each has a level and a rule, is written out
in full by the function its record names, is never built by concatenation, and is provoked by a
mutation deviation, a transcript fixture, or (for what no proxy provokes in seconds: a refused
connection, an unanswered request, a stream past its deadline) a client test."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from routify_suite.conformance.registry import CHECKS, LEVELS, checks_table
from routify_suite.paths import package_dir
from tests.conformance_helpers import transcripts
from tests.mutation.catalogue import DEVIATIONS, TOLERATED

AREAS = ("transport", "response", "stream", "error", "params", "concurrency", "snapshot")
CHECK_ID = re.compile(rf"^(?:{'|'.join(AREAS)})\.[a-z][a-z-]*$")
CLIENT_TESTS = Path(__file__).resolve().parent / "test_conformance_client.py"


def _suite_sources() -> list[Path]:
    return sorted(package_dir("routify_suite.conformance").rglob("*.py"))


def _function(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_every_check_has_a_level_a_rule_and_its_emitter(check: str) -> None:
    record = CHECKS[check]
    assert CHECK_ID.match(check)
    assert record.level in LEVELS
    assert record.rule.strip()
    source = inspect.getsource(_function(record.emitted_by))
    assert f'"{check}"' in source, f"{record.emitted_by} does not write {check!r}"


def test_every_id_written_in_the_suite_is_registered() -> None:
    unknown = set()
    for path in _suite_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and CHECK_ID.match(value) and value not in CHECKS:
                unknown.add((path.name, value))
    assert not unknown


def test_no_check_id_is_built_by_concatenation() -> None:
    """No "area." prefix (or f-string starting with one) that code could complete into an id."""
    built = []
    for path in _suite_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parts = node.values if isinstance(node, ast.JoinedStr) else [node]
            head = parts[0] if parts else None
            value = head.value if isinstance(head, ast.Constant) else None
            if isinstance(value, str) and value in {f"{area}." for area in AREAS}:
                built.append((path.name, getattr(node, "lineno", 0)))
    assert not built


def test_every_check_is_provoked_somewhere() -> None:
    provoked = {check for item in (*DEVIATIONS, *TOLERATED) for check in item.caught_by}
    for path in [*transcripts("broken--"), *transcripts("nonstrict--")]:
        provoked.add(path.name.split("--")[1])
    client_tests = CLIENT_TESTS.read_text(encoding="utf-8")
    provoked |= {check for check in CHECKS if f'"{check}"' in client_tests}
    assert set(CHECKS) - provoked == set()


def test_checks_table_is_what_results_json_carries() -> None:
    table = checks_table()
    assert set(table) == set(CHECKS)
    assert all(set(entry) == {"level", "rule"} for entry in table.values())
    assert table["stream.done-last"]["level"] == "MUST"
    assert table["error.envelope"]["level"] == "SHOULD"
