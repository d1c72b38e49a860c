"""What every check needs: preconditions, media types, schema violations by profile."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from routify_suite import schemas
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import Finding, clip
from routify_suite.target import Target

Check = Callable[[Exchange, Target], list[Finding]]
ROUTIFY_CHECKS = frozenset({"response.routify", "response.routify-numbers", "stream.routify"})
"""Checks of the routify block: optional (non-strict) in the openai profile."""


def finding(exchange: Exchange | None, check: str, expected: str, got: Any, **kw: Any) -> Finding:
    request_id = exchange.request_id if exchange else None
    return Finding(check, expected, clip(got), request_id, exchange=exchange, **kw)


def run_all(checks: dict[str, Check], exchange: Exchange, target: Target) -> list[Finding]:
    """Every check of a table, each finding once (preconditions repeat across checks)."""
    found: list[Finding] = []
    for check in checks.values():
        found.extend(f for f in check(exchange, target) if f not in found)
    return found


def by_profile(target: Target, findings: list[Finding]) -> list[Finding]:
    """In the openai profile the routify block is optional: its findings become non-strict."""
    if target.strict_routify:
        return findings
    return [f.lenient() if f.check in ROUTIFY_CHECKS else f for f in findings]


def is_json_media(exchange: Exchange) -> bool:
    return exchange.media_type == "application/json"


def transport(exchange: Exchange) -> list[Finding]:
    """The exchange's own failure (no response, stall, cut), if it had one."""
    if exchange.failure is None:
        return []
    check, what = exchange.failure
    return [finding(exchange, check, "a complete response", what)]


@cache
def _openai_validator(name: str) -> Draft202012Validator:
    """The schema with the routify block optional: derived, never a second copy of the shape."""
    derived = copy.deepcopy(schemas.load_schema(name))
    derived["required"] = [field for field in derived.get("required", []) if field != "routify"]
    return Draft202012Validator(derived, registry=schemas.registry())


def schema_findings(
    exchange: Exchange, target: Target, name: str, document: Any, check: str, routify_check: str
) -> list[Finding]:
    """Violations of schema ``name``, each citing the rule its constraint quotes.

    Violations inside (or of the presence of) the routify block get ``routify_check``, so a broken
    routify block is named as such, and follows the profile. A required field left out whose
    schema admits null is read as null by clients: no impact (non-strict at level SHOULD).
    """
    derived = None if target.strict_routify else _openai_validator(name)
    found = schemas.violations(name, document, derived)
    result = []
    for violation in found:
        about_routify = violation.path.startswith("$.routify") or (
            violation.path == "$" and "'routify'" in violation.message
        )
        result.append(
            finding(
                exchange,
                routify_check if about_routify else check,
                f"valid {name} at {violation.path}",
                violation.message,
                rule=violation.rule,
                impact=not violation.omits_nullable,
            )
        )
    return by_profile(target, result)
