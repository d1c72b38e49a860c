"""Client impact: the official openai client replays the recorded bytes (no request is sent) and
its verdict turns a non-strict SHOULD finding into a fail only when it breaks or reads otherwise."""

from __future__ import annotations

import json
from typing import Any

import pytest

from routify_suite.conformance import replay
from routify_suite.conformance.checks.errors import envelope_findings
from routify_suite.conformance.checks.stream import all_stream_findings
from routify_suite.conformance.client_impact import UNAFFECTED, judge, with_client_evidence
from tests.conformance_helpers import RECORDED_AT, json_exchange, local_target, stream_exchange

pytest.importorskip("openai")


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "delta": delta}
    if finish is not None:
        choice["finish_reason"] = finish
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": RECORDED_AT,
        "model": "deepseek-v3.2",
        "choices": [choice],
        "routify": {"channel": "c", "latency_ms": 1, "cost_usd": 0.0},
    }
    return chunk | extra


def _sse(*events: Any) -> bytes:
    lines = [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n\n" for e in events]
    return "".join([*lines, "data: [DONE]\n\n"]).encode()


USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def _stream(*events: Any) -> Any:
    request = {"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "hi"}]}
    return stream_exchange(_sse(*events), request={**request, "stream": True})


def test_finish_reason_omitted_until_the_last_chunk_leaves_the_client_unaffected() -> None:
    exchange = _stream(
        _chunk({"role": "assistant", "content": "Pa"}),
        _chunk({"content": "ris."}),
        _chunk({}, "stop"),
    )
    found = all_stream_findings(exchange, local_target())
    assert {f.check for f in found} == {"stream.chunk-schema"}
    assert not any(f.strict for f in found)
    judged = with_client_evidence(found)
    assert all(f.evidence == UNAFFECTED and not f.strict for f in judged)
    assert all(f.fails(strict_mode=True) for f in judged)


def test_an_error_event_mid_stream_breaks_the_client_and_fails_a_tolerated_finding() -> None:
    exchange = _stream(
        _chunk({"content": "Pa"}, None),
        {"error": {"message": "upstream gone", "type": "server_error"}},
        _chunk({}, "stop"),
    )
    role = [f for f in all_stream_findings(exchange, local_target()) if f.check == "stream.role"]
    assert role
    assert not role[0].strict
    [judged] = with_client_evidence(role[:1])
    assert judged.strict
    assert "upstream gone" in judged.evidence


def test_error_envelope_without_param_and_with_an_integer_code_is_non_strict() -> None:
    body = {"error": {"message": "bad temperature", "type": "invalid_request_error", "code": 400}}
    exchange = json_exchange(body, status=400)
    found = envelope_findings(exchange)
    assert {f.check for f in found} == {"error.envelope"}
    assert len(found) == 2
    assert not any(f.strict for f in found)
    assert judge(exchange) == (False, UNAFFECTED)
    assert not any(f.strict for f in with_client_evidence(found))


def test_an_error_envelope_without_message_is_a_fail_whatever_the_client_says() -> None:
    exchange = json_exchange({"error": {"type": "x", "param": None, "code": None}}, status=400)
    found = with_client_evidence(envelope_findings(exchange))
    assert found
    assert all(f.strict for f in found)


def test_the_client_reads_a_response_as_the_suite_does_whatever_its_content_type() -> None:
    document = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": RECORDED_AT,
        "model": "deepseek-v3.2",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris."},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }
    assert judge(json_exchange(document, content_type="text/plain")) == (False, UNAFFECTED)
    truncated = json_exchange(None, body=json.dumps(document).encode()[:-9])
    breaks, evidence = judge(truncated)
    assert breaks
    assert evidence.startswith("official openai client raised")


def test_without_the_openai_package_the_level_alone_decides(monkeypatch: Any) -> None:
    monkeypatch.setattr(replay, "available", lambda: False)
    exchange = json_exchange({"error": {"message": "m", "type": "t", "code": 400}}, status=400)
    found = envelope_findings(exchange)
    assert with_client_evidence(found) == found
    assert all(f.evidence == "" for f in with_client_evidence(found))
