"""Checks of a non-streaming 200: the schema, and what a schema cannot say."""

from __future__ import annotations

import math
from typing import Any

from routify_suite import schemas
from routify_suite.conformance.checks.common import (
    Check,
    by_profile,
    finding,
    is_json_media,
    run_all,
    schema_findings,
)
from routify_suite.conformance.checks.common import transport as transport_findings
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import Finding
from routify_suite.target import Target

CREATED_TOLERANCE_S = 600
"""How far ``created`` may sit from the client's clock (clock skew between hosts)."""
LATENCY_SLACK_MS = 1000
"""Allowance for clock granularity when comparing routify.latency_ms with the round trip."""
COST_CEILING_USD = 1.0
"""No single tiny conformance request can honestly cost a dollar."""


def document(exchange: Exchange) -> tuple[dict[str, Any] | None, list[Finding]]:
    """The response object, or the findings that prevent reading one."""
    failed = transport_findings(exchange)
    if failed:
        return None, failed
    if exchange.status != 200:
        got = exchange.summary()
        return None, [finding(exchange, "response.status", "HTTP 200 for a valid request", got)]
    ok, value = exchange.document
    if not ok or not isinstance(value, dict):
        got = value if not ok else f"a JSON {type(value).__name__}"
        return None, [finding(exchange, "response.json", "a JSON object body", got)]
    return value, []


def _choices(doc: dict[str, Any]) -> list[dict[str, Any]]:
    choices = doc.get("choices")
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def check_content_type(exchange: Exchange, target: Target) -> list[Finding]:
    failed = transport_findings(exchange)
    if failed:
        return failed
    if is_json_media(exchange):
        return []
    got = exchange.content_type or "(none)"
    return [finding(exchange, "response.content-type", "Content-Type application/json", got)]


def check_json(exchange: Exchange, target: Target) -> list[Finding]:
    return document(exchange)[1]


def _schema_part(exchange: Exchange, target: Target, check: str) -> list[Finding]:
    """The schema violations of one part: the routify block, or everything else."""
    doc, failed = document(exchange)
    if doc is None:
        return failed
    found = schema_findings(
        exchange, target, schemas.RESPONSE, doc, "response.schema", "response.routify"
    )
    return [f for f in found if f.check == check]


def check_schema(exchange: Exchange, target: Target) -> list[Finding]:
    return _schema_part(exchange, target, "response.schema")


def check_routify(exchange: Exchange, target: Target) -> list[Finding]:
    return _schema_part(exchange, target, "response.routify")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_routify_numbers(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    if doc is None:
        return failed
    block = doc.get("routify")
    if not isinstance(block, dict):
        return []  # absence is response.routify's finding
    found = []
    latency, cost = block.get("latency_ms"), block.get("cost_usd")
    observed_ms = exchange.duration_s * 1000
    if _is_number(latency) and latency > observed_ms + LATENCY_SLACK_MS:
        found.append(
            finding(
                exchange,
                "response.routify-numbers",
                f"latency_ms <= the observed round trip ({observed_ms:.0f} ms)",
                f"latency_ms {latency}",
            )
        )
    if _is_number(cost) and (not math.isfinite(cost) or cost >= COST_CEILING_USD):
        found.append(
            finding(
                exchange,
                "response.routify-numbers",
                f"cost_usd of one tiny request below {COST_CEILING_USD} USD",
                f"cost_usd {cost}",
            )
        )
    return by_profile(target, found)


def usage_sum(exchange: Exchange, usage: Any, check: str) -> list[Finding]:
    """total_tokens = prompt_tokens + completion_tokens (used for responses and usage chunks)."""
    if not isinstance(usage, dict):
        return []
    parts = [usage.get(name) for name in ("prompt_tokens", "completion_tokens", "total_tokens")]
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return []  # the schema check names mistyped counts
    prompt, completion, total = parts
    if prompt + completion == total:
        return []
    return [
        finding(
            exchange,
            check,
            f"total_tokens = {prompt} + {completion} = {prompt + completion}",
            f"total_tokens {total}",
        )
    ]


def check_usage_sum(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    return failed if doc is None else usage_sum(exchange, doc.get("usage"), "response.usage-sum")


def check_created(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    if doc is None:
        return failed
    return created_near(exchange, doc.get("created"), "response.created")


def created_near(exchange: Exchange, created: Any, check: str) -> list[Finding]:
    if not _is_number(created) or isinstance(created, float):
        return []  # the schema check names a missing or mistyped created
    if abs(created - exchange.sent_at) <= CREATED_TOLERANCE_S:
        return []
    return [
        finding(
            exchange,
            check,
            f"Unix seconds within {CREATED_TOLERANCE_S} s of {exchange.sent_at:.0f}",
            f"created {created}",
        )
    ]


def check_choice_index(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    if doc is None:
        return failed
    indexes = [choice.get("index") for choice in _choices(doc)]
    if indexes == list(range(len(indexes))):
        return []
    expected = f"indexes {list(range(len(indexes)))}"
    return [finding(exchange, "response.choice-index", expected, f"indexes {indexes}")]


def check_request_id(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    if doc is None:
        return failed
    header = exchange.headers.get("x-request-id")
    if header is not None and not header.strip():
        return [finding(exchange, "response.request-id", "a non-empty x-request-id", "empty")]
    body_id = doc.get("id")
    if header or (isinstance(body_id, str) and body_id.strip()):
        return []
    return [
        finding(
            exchange,
            "response.request-id",
            "a non-empty id in the body or x-request-id header",
            f"id {body_id!r}, no x-request-id",
        )
    ]


def check_finish_reason(exchange: Exchange, target: Target) -> list[Finding]:
    doc, failed = document(exchange)
    if doc is None:
        return failed
    return finish_consistency(exchange, doc, _choices(doc), "message")


def finish_consistency(
    exchange: Exchange, doc: dict[str, Any], choices: list[dict[str, Any]], part: str
) -> list[Finding]:
    """finish_reason agrees with what the choice holds and with max_tokens."""
    found = []
    request = exchange.request if isinstance(exchange.request, dict) else {}
    cap = request.get("max_tokens")
    usage = doc.get("usage") if isinstance(doc.get("usage"), dict) else {}
    completion = usage.get("completion_tokens")
    for choice in choices:
        reason = choice.get("finish_reason")
        message = choice.get(part) if isinstance(choice.get(part), dict) else {}
        index = choice.get("index")
        if reason == "tool_calls" and not message.get("tool_calls"):
            found.append(
                finding(
                    exchange,
                    "response.finish-reason",
                    f"choice {index}: tool_calls beside finish_reason tool_calls",
                    "no tool_calls",
                )
            )
        capped = isinstance(cap, int) and isinstance(completion, int) and len(choices) == 1
        if reason == "length" and capped and completion < cap:
            found.append(
                finding(
                    exchange,
                    "response.finish-reason",
                    f"finish_reason length when completion_tokens reach {cap}"
                    " (or the model's context window ends)",
                    f"length with completion_tokens {completion}",
                    # Non-strict: a model whose context window fills before max_tokens also
                    # stops with "length" (OpenAI: "max_tokens or the token limit"), and the
                    # suite cannot see the window's size; a client reads the same truncation.
                    impact=False,
                )
            )
    return found


RESPONSE_CHECKS: dict[str, Check] = {
    "response.content-type": check_content_type,
    "response.json": check_json,
    "response.schema": check_schema,
    "response.routify": check_routify,
    "response.routify-numbers": check_routify_numbers,
    "response.usage-sum": check_usage_sum,
    "response.created": check_created,
    "response.choice-index": check_choice_index,
    "response.request-id": check_request_id,
    "response.finish-reason": check_finish_reason,
}


def all_response_findings(exchange: Exchange, target: Target) -> list[Finding]:
    return run_all(RESPONSE_CHECKS, exchange, target)
