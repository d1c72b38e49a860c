"""The response and error checks: legal variations pass, each deviation names its check."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from routify_suite.conformance.checks.errors import (
    envelope_findings,
    error_findings,
    retry_after_findings,
)
from routify_suite.conformance.checks.response import RESPONSE_CHECKS, all_response_findings
from routify_suite.conformance.exchange import Exchange
from tests.conformance_helpers import json_exchange, local_target, recorded_response
from tests.mutation.framing import reversed_keys, with_extra_fields

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _exchange(mutate: Mutation | None = None, **kw: Any) -> Exchange:
    doc = copy.deepcopy(recorded_response())
    if mutate:
        doc = mutate(doc) or doc
    return json_exchange(doc, **kw)


def test_recorded_response_passes_every_check() -> None:
    assert all_response_findings(_exchange(), local_target()) == []


LEGAL: dict[str, Callable[[], Exchange]] = {
    "extra fields everywhere": lambda: _exchange(with_extra_fields),
    "reversed key order": lambda: _exchange(reversed_keys),
    "pretty-printed body": lambda: json_exchange(
        None, body=json.dumps(recorded_response(), indent=4).encode()
    ),
    "charset on content type": lambda: _exchange(content_type="application/json; charset=utf-8"),
    "tool_calls with content null": lambda: _exchange(
        _set(
            "choices.0.message",
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
        )
    ),
    "integer latency and cost": lambda: _exchange(_set("routify", {**_ROUTIFY, "cost_usd": 0})),
}
_ROUTIFY = {"channel": "deepseek-official", "latency_ms": 12, "cost_usd": 0.0000028}


@pytest.mark.parametrize("name", sorted(LEGAL))
def test_legal_variation_passes(name: str) -> None:
    findings = all_response_findings(LEGAL[name](), local_target())
    assert findings == [], "\n".join(f.message() for f in findings)


BROKEN: dict[str, tuple[Callable[[], Exchange], str]] = {
    "status 500 for a valid request": (lambda: _exchange(status=500), "response.status"),
    "HTML content type": (lambda: _exchange(content_type="text/html"), "response.content-type"),
    "not JSON": (lambda: json_exchange(None, body=b"<html>ok</html>"), "response.json"),
    "NaN is not JSON": (
        lambda: json_exchange(
            None, body=json.dumps(recorded_response()).replace("0,", "NaN,", 1).encode()
        ),
        "response.json",
    ),
    "missing usage": (lambda: _exchange(_delete("usage")), "response.schema"),
    "created as a string": (lambda: _exchange(_set("created", "now")), "response.schema"),
    "wrong object": (lambda: _exchange(_set("object", "chat.completion.chunk")), "response.schema"),
    "unknown finish_reason": (
        lambda: _exchange(_set("choices.0.finish_reason", "done")),
        "response.schema",
    ),
    "role user": (lambda: _exchange(_set("choices.0.message.role", "user")), "response.schema"),
    "no routify block": (lambda: _exchange(_delete("routify")), "response.routify"),
    "negative latency": (lambda: _exchange(_set("routify.latency_ms", -3)), "response.routify"),
    "cost as a string": (lambda: _exchange(_set("routify.cost_usd", "0.1")), "response.routify"),
    "empty channel": (lambda: _exchange(_set("routify.channel", "")), "response.routify"),
    "latency beyond the round trip": (
        lambda: _exchange(_set("routify.latency_ms", 90_000)),
        "response.routify-numbers",
    ),
    "absurd cost": (lambda: _exchange(_set("routify.cost_usd", 12.5)), "response.routify-numbers"),
    "usage does not add up": (
        lambda: _exchange(_set("usage.total_tokens", 99)),
        "response.usage-sum",
    ),
    "created in milliseconds": (
        lambda: _exchange(_set("created", 1795643934000)),
        "response.created",
    ),
    "created long ago": (lambda: _exchange(_set("created", 1000)), "response.created"),
    "choice index 1 alone": (
        lambda: _exchange(_set("choices.0.index", 1)),
        "response.choice-index",
    ),
    "empty id and no header": (lambda: _exchange(_set("id", "")), "response.request-id"),
    "finish tool_calls without calls": (
        lambda: _exchange(_set("choices.0.finish_reason", "tool_calls")),
        "response.finish-reason",
    ),
}


def test_length_below_max_tokens_is_non_strict() -> None:
    """A context window that fills first also ends with "length": tolerated, and only
    --strict fails it."""
    usage = {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
    findings = all_response_findings(_exchange(_set("usage", usage)), local_target())
    [length] = [f for f in findings if f.check == "response.finish-reason"]
    assert "context window" in length.expected
    assert not length.fails(strict_mode=False)
    assert length.fails(strict_mode=True)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_deviation_names_its_check(name: str) -> None:
    build, check = BROKEN[name]
    findings = all_response_findings(build(), local_target())
    assert check in {f.check for f in findings if f.strict}, [f.message() for f in findings]
    if check in RESPONSE_CHECKS:
        own = RESPONSE_CHECKS[check](build(), local_target())
        assert any(f.check == check for f in own)


def test_findings_carry_rule_expected_got_and_request_id() -> None:
    [finding] = RESPONSE_CHECKS["response.usage-sum"](
        _exchange(_set("usage.total_tokens", 99)), local_target()
    )
    assert "total = prompt + completion" in finding.rule
    assert finding.expected.startswith("total_tokens = ")
    assert finding.got == "total_tokens 99"
    assert finding.request_id == recorded_response()["id"]


def test_schema_finding_quotes_the_schema_rule() -> None:
    findings = RESPONSE_CHECKS["response.schema"](_exchange(_set("object", "x")), local_target())
    assert any('"object": "chat.completion"' in f.rule for f in findings)


def test_openai_profile_makes_the_routify_block_optional() -> None:
    target = local_target("openai")
    assert all_response_findings(_exchange(_delete("routify")), target) == []
    broken = all_response_findings(_exchange(_set("routify.latency_ms", -1)), target)
    assert broken
    assert not [f for f in broken if f.strict]


ERROR_BODY = {
    "error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}
}


def test_error_envelope_passes_with_extra_fields_and_charset() -> None:
    body = copy.deepcopy(ERROR_BODY)
    body["error"]["x_detail"] = {"hint": 1}
    body["request_id"] = "req_1"
    exchange = json_exchange(body, status=400, content_type="application/json; charset=utf-8")
    assert error_findings(exchange, {400}, "an invalid body") == []


@pytest.mark.parametrize(
    ("body", "content_type", "check"),
    [
        (b"<html><body>Bad Request</body></html>", "text/html", "error.content-type"),
        (b"<html><body>Bad Request</body></html>", "text/html", "error.envelope"),
        (b"Bad Request", "application/json", "error.envelope"),
        (json.dumps({"message": "unwrapped"}).encode(), "application/json", "error.envelope"),
        (json.dumps({"error": "just a string"}).encode(), "application/json", "error.envelope"),
        (
            json.dumps({"error": {"message": "no type"}}).encode(),
            "application/json",
            "error.envelope",
        ),
        (json.dumps(ERROR_BODY).encode(), "text/plain", "error.content-type"),
    ],
)
def test_broken_error_body_names_its_check(body: bytes, content_type: str, check: str) -> None:
    exchange = json_exchange(None, status=400, content_type=content_type, body=body)
    assert check in {f.check for f in envelope_findings(exchange)}


def test_error_sent_as_200_fails_the_status() -> None:
    exchange = _exchange()
    [finding] = error_findings(exchange, {401}, "no Authorization header")
    assert finding.check == "error.status"
    assert "HTTP 401" in finding.expected
    assert "HTTP 200" in finding.got


@pytest.mark.parametrize(
    ("headers", "verdict"),
    [
        ({"retry-after": "2"}, "pass"),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, "pass"),
        ({}, "non-strict"),
        ({"retry-after": "soon"}, "fail"),
    ],
)
def test_retry_after(headers: dict[str, str], verdict: str) -> None:
    exchange = json_exchange(ERROR_BODY, status=429)
    exchange.headers.update(headers)
    findings = retry_after_findings(exchange)
    got = "pass" if not findings else ("fail" if findings[0].strict else "non-strict")
    assert got == verdict
