"""Errors: each documented status provoked through the target, as JSON and as a stream request.

An error that happens before a stream starts must still be a JSON error, not a 200 stream, so
every condition is tried both ways. Conditions whose trigger the target lacks are not exercised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from routify_suite.conformance import bodies
from routify_suite.conformance.checks.errors import (
    error_findings,
    retry_after_findings,
    status_findings,
)
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog, Finding, not_exercised
from routify_suite.conformance.plan import Request, planned
from routify_suite.conformance.registry import SHOULD
from routify_suite.target import Target

pytestmark = pytest.mark.errors

ERROR_CHECKS = ["error.status", "error.envelope", "error.content-type"]
BEARER_ONLY = (
    "OpenAI compatibility: only 'Authorization: Bearer <key>' authenticates (the Routify page's"
    " 401 is for a 'Missing / invalid API key'; a valid key in another form is neither)"
)


@dataclass(frozen=True, slots=True)
class Condition:
    """A way to provoke one status: the key (or headers) and model to send."""

    name: str
    statuses: frozenset[int]
    what: str
    key: Callable[[Target], str | None] = lambda t: t.keys["valid"]
    model: Callable[[Target], str | None] = lambda t: t.models["default"]
    headers: Callable[[Target], dict[str, str]] = lambda t: {}
    routify_only: bool = False
    valid_key_sent: bool = False
    """The request carries the valid key, only not as "Bearer <key>": the page's 401 is for a
    "Missing / invalid API key", so accepting it is taking input only OpenAI rejects."""


def _trigger(name: str, part: str) -> Callable[[Target], str | None]:
    def pick(target: Target) -> str | None:
        trigger = target.triggers.get(name)
        return getattr(trigger, part) if trigger else None

    return pick


def _triggered(name: str, status: int) -> Condition:
    """The condition that the target's ``[triggers]`` entry ``name`` provokes."""
    return Condition(
        f"{status}-{name.replace('_', '-')}",
        frozenset({status}),
        f"triggers.{name}",
        key=_trigger(name, "key"),
        model=_trigger(name, "model"),
    )


AUTH = [
    Condition(
        "401-missing-header", frozenset({401}), "no Authorization header", key=lambda t: None
    ),
    Condition(
        "401-basic-scheme",
        frozenset({401}),
        "the Basic scheme instead of Bearer",
        key=lambda t: None,
        headers=lambda t: {"authorization": "Basic " + t.keys["valid"]},
        valid_key_sent=True,
    ),
    Condition(
        "401-key-without-scheme",
        frozenset({401}),
        "a key without the Bearer scheme",
        key=lambda t: None,
        headers=lambda t: {"authorization": t.keys["valid"]},
        valid_key_sent=True,
    ),
    Condition(
        "401-unknown-key", frozenset({401}), "an unknown key", key=lambda t: "rtf_unknown_0000"
    ),
    Condition(
        "401-bearer-without-token",
        frozenset({401}),
        "the Bearer scheme without a token",
        key=lambda t: None,
        headers=lambda t: {"authorization": "Bearer"},
    ),
]

ACCOUNT = [
    Condition(
        "402-insufficient-balance",
        frozenset({402}),
        "insufficient balance",
        key=lambda t: t.key("insufficient_balance"),
        routify_only=True,
    ),
    Condition(
        "403-suspended", frozenset({403}), "a suspended account", key=lambda t: t.key("suspended")
    ),
    Condition(
        "403-model-not-allowed-for-tier",
        frozenset({403}),
        "a model not allowed for the key's tier",
        key=lambda t: t.key("restricted_tier"),
        model=lambda t: t.model("restricted"),
    ),
    Condition(
        "404-unknown-model",
        frozenset({400, 404}),
        "an unknown model",
        model=lambda t: "no-such-model-conformance",
    ),
    _triggered("internal_error", 500),
    _triggered("upstream_failure", 502),
    _triggered("maintenance", 503),
]

MISSING = {
    "402-insufficient-balance": "keys.insufficient_balance",
    "403-suspended": "keys.suspended",
    "403-model-not-allowed-for-tier": "keys.restricted_tier and models.restricted",
    "500-internal-error": "triggers.internal_error",
    "502-upstream-failure": "triggers.upstream_failure",
    "503-maintenance": "triggers.maintenance",
}


def _cases(conditions: list[Condition]) -> list[pytest.ParameterSet]:
    return [
        pytest.param(
            condition,
            stream,
            id=f"{condition.name}-{'stream' if stream else 'json'}",
            marks=[pytest.mark.routify_only] if condition.routify_only else [],
        )
        for condition in conditions
        for stream in (False, True)
    ]


def _request(condition: Condition, stream: bool, target: Target) -> Request:
    """What provokes ``condition``; the case is not exercised when the target lacks a part."""
    key, model = condition.key(target), condition.model(target)
    missing = MISSING.get(condition.name)
    if missing and (key is None or model is None):
        not_exercised(f"the target has no {missing}")
    headers = tuple(condition.headers(target).items())
    body = bodies.body(target, model=model, max_tokens=16, stream=stream)
    return Request(condition.name, body, key=key, headers=headers)


def _plan(target: Target, condition: Condition, stream: bool) -> list[Request]:
    return [_request(condition, stream, target)]


def _provoke(
    condition: Condition, stream: bool, exchanges: Exchanges, target: Target
) -> tuple[object, list]:
    exchange = exchanges.get(_request(condition, stream, target))
    found = error_findings(exchange, condition.statuses, condition.what)
    if condition.valid_key_sent and exchange.status is not None and 200 <= exchange.status < 300:
        found = [
            replace(f, level=SHOULD, impact=False, rule=BEARER_ONLY)
            if f.check == "error.status"
            else f
            for f in found
        ]
    return exchange, found


@pytest.mark.auth
@planned(_plan)
@pytest.mark.parametrize(("condition", "stream"), _cases(AUTH))
def test_authentication(
    condition: Condition, stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    _, found = _provoke(condition, stream, exchanges, target)
    case_log.expect(found, checked=ERROR_CHECKS)


@planned(_plan)
@pytest.mark.parametrize(("condition", "stream"), _cases(ACCOUNT))
def test_error_condition(
    condition: Condition, stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    _, found = _provoke(condition, stream, exchanges, target)
    case_log.expect(found, checked=ERROR_CHECKS)


def _tier_allowed(target: Target) -> list[Request]:
    key = target.key("restricted_tier")
    return [Request("tier-allowed", bodies.body(target, max_tokens=16), key=key)] if key else []


@planned(_tier_allowed)
def test_restricted_tier_key_served_with_allowed_model(
    exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    """The 403 is about the model, not the key: the same key works with the default model."""
    requests = _tier_allowed(target)
    if not requests:
        not_exercised("the target has no keys.restricted_tier")
    exchange = exchanges.get(requests[0])
    found = [
        Finding("params.model-tier", f.expected, f.got, f.request_id, exchange=exchange)
        for f in status_findings(exchange, {200}, "an allowed model on a restricted tier")
    ]
    case_log.expect(found, checked=["params.model-tier"])


@pytest.mark.last
def test_rate_limit(exchanges: Exchanges, target: Target, case_log: CaseLog) -> None:
    """429 within the trigger's number of rapid requests; Retry-After absent is non-strict.

    It runs after every other case and alone (nothing else in flight), one request at a time.
    """
    trigger = target.triggers.get("rate_limit")
    if trigger is None:
        not_exercised("the target has no triggers.rate_limit")
    exchanges.alone()
    body = bodies.body(target, model=trigger.model, max_tokens=1)
    exchange = None
    for number in range(trigger.requests):
        request = Request("rate-limit", body, key=trigger.key, judge_rate_limit=True, repeat=number)
        exchange = exchanges.get(request)
        if exchange.failure is not None or exchange.status == 429:
            break
    assert exchange is not None
    what = f"more than the limit within {trigger.requests} rapid requests"
    found = error_findings(exchange, {429}, what)
    if exchange.status == 429:
        found.extend(retry_after_findings(exchange))
    case_log.expect(found, checked=[*ERROR_CHECKS, "error.retry-after"])
