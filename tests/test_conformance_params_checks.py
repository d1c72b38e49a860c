"""Parameters honoured: each check passes a completion that honours it and names one that
does not, for plain responses and for streams (deltas assembled)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from routify_suite.conformance import bodies
from routify_suite.conformance.checks import params
from routify_suite.conformance.exchange import Exchange
from tests.conformance_helpers import json_exchange, recorded_response, stream_exchange

TEXT = "Paris is the capital. It sits on the Seine river."


def _response(
    content: str | None = TEXT,
    finish: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    completion_tokens: int = 12,
    model: str = "deepseek-v3.2",
) -> dict[str, Any]:
    doc = copy.deepcopy(recorded_response())
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    doc["choices"] = [{"index": 0, "message": message, "finish_reason": finish}]
    doc["usage"] = {
        "prompt_tokens": 5,
        "completion_tokens": completion_tokens,
        "total_tokens": 5 + completion_tokens,
    }
    doc["model"] = model
    return doc


def _as_stream(doc: dict[str, Any]) -> bytes:
    """The same completion as a stream: role, content pieces, tool-call pieces, finish, usage."""
    base = {
        "id": doc["id"],
        "object": "chat.completion.chunk",
        "created": doc["created"],
        "model": doc["model"],
    }
    message = doc["choices"][0]["message"]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    for word in (message.get("content") or "").split(" "):
        deltas.append({"content": word if len(deltas) == 1 else " " + word})
    for number, call in enumerate(message.get("tool_calls") or []):
        arguments = call["function"]["arguments"]
        head = {"index": number, "id": call["id"], "type": "function"}
        deltas.append(
            {
                "tool_calls": [
                    {**head, "function": {"name": call["function"]["name"], "arguments": ""}}
                ]
            }
        )
        for start in range(0, len(arguments), 4):
            piece = {"index": number, "function": {"arguments": arguments[start : start + 4]}}
            deltas.append({"tool_calls": [piece]})
    chunks = [
        {**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas
    ]
    chunks.append(
        {
            **base,
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": doc["choices"][0]["finish_reason"]}
            ],
        }
    )
    chunks.append({**base, "choices": [], "usage": doc["usage"]})
    lines = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def _exchanges(doc: dict[str, Any], request: dict[str, Any]) -> list[Exchange]:
    return [
        json_exchange(doc, request=request),
        stream_exchange(_as_stream(doc), 5, request={**request, "stream": True}),
    ]


def _checks(findings: list) -> set[str]:
    return {f.check for f in findings if f.strict}


CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Kyoto"})},
}


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
def test_max_tokens(mode: int) -> None:
    request = {"model": "m", "messages": [], "max_tokens": 3}
    capped = _exchanges(_response("Paris is the", "length", completion_tokens=3), request)[mode]
    assert params.max_tokens_findings(capped, 3) == []
    ignored = _exchanges(_response(TEXT, "stop", completion_tokens=12), request)[mode]
    assert _checks(params.max_tokens_findings(ignored, 3)) == {"params.max-tokens"}


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
def test_stop(mode: int) -> None:
    request = {"model": "m", "messages": [], "stop": "capital"}
    honoured = _exchanges(_response("Paris is the "), request)[mode]
    assert params.stop_findings(honoured, "capital", "Paris is the ") == []
    ignored = _exchanges(_response(TEXT), request)[mode]
    assert _checks(params.stop_findings(ignored, "capital", "Paris is the ")) == {"params.stop"}
    stripped = _exchanges(_response(TEXT.replace("capital", "")), request)[mode]
    assert _checks(params.stop_findings(stripped, "capital", "Paris is the ")) == {"params.stop"}


def test_stop_tolerates_another_sampling_path() -> None:
    other = json_exchange(_response("London is large."), request={"model": "m", "messages": []})
    assert params.stop_findings(other, "capital", "Paris is the ") == []


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
@pytest.mark.parametrize(
    ("arguments", "name", "ok"),
    [
        (json.dumps({"city": "Kyoto"}), "get_weather", True),
        (json.dumps({"city": "Kyoto", "unit": "kelvin"}), "get_weather", False),
        (json.dumps({"town": "Kyoto"}), "get_weather", False),
        ("{city: Kyoto}", "get_weather", False),
        (json.dumps({"city": "Kyoto"}), "get_time", False),
    ],
)
def test_forced_tool_call(mode: int, arguments: str, name: str, ok: bool) -> None:
    call = {**CALL, "function": {"name": name, "arguments": arguments}}
    doc = _response(None, "tool_calls", tool_calls=[call])
    exchange = _exchanges(doc, {"model": "m", "messages": []})[mode]
    found = params.tools_findings(exchange, bodies.WEATHER_TOOL, forced=True)
    assert (found == []) is ok, [f.message() for f in found]
    if not ok:
        assert _checks(found) == {"params.tools"}


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
def test_forced_tool_call_missing(mode: int) -> None:
    exchange = _exchanges(_response(), {"model": "m", "messages": []})[mode]
    assert _checks(params.tools_findings(exchange, bodies.WEATHER_TOOL, forced=True)) == {
        "params.tools"
    }
    assert params.no_tools_findings(exchange) == []
    called = _exchanges(
        _response(None, "tool_calls", tool_calls=[CALL]), {"model": "m", "messages": []}
    )[mode]
    assert _checks(params.no_tools_findings(called)) == {"params.tools"}


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
@pytest.mark.parametrize(
    ("content", "ok"),
    [('{"city": "Paris"}', True), ("[1, 2]", False), ("Paris, of course", False), ("", False)],
)
def test_json_mode(mode: int, content: str, ok: bool) -> None:
    exchange = _exchanges(_response(content), {"model": "m", "messages": []})[mode]
    found = params.json_mode_findings(exchange)
    assert (found == []) is ok


@pytest.mark.parametrize("mode", [0, 1], ids=["json", "stream"])
@pytest.mark.parametrize(("model", "ok"), [("deepseek-v3.2", True), ("routify-auto", False)])
def test_auto_model(mode: int, model: str, ok: bool) -> None:
    exchange = _exchanges(_response(model=model), {"model": "routify-auto", "messages": []})[mode]
    assert (params.auto_model_findings(exchange, "routify-auto") == []) is ok


@pytest.mark.parametrize(
    ("status", "raised"),
    [(500, "InternalServerError"), (502, "InternalServerError"), (503, "InternalServerError")],
)
def test_a_5xx_for_a_body_fails_with_what_the_official_client_does(
    status: int, raised: str
) -> None:
    """Whatever the body (here one only OpenAI rejects), a 5xx is a MUST fail, and the client
    replay shows it retried twice and raised a server error instead of BadRequestError."""
    pytest.importorskip("openai")
    from routify_suite.conformance.checks.errors import server_error_findings
    from routify_suite.conformance.test_params import REJECTED, rejection

    [empty_tools] = [p.values[0] for p in REJECTED if p.values[0].id == "tools-empty"]
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": []}
    envelope = {"error": {"message": "1 validation error", "type": "internal_error"}}
    exchange = json_exchange(envelope, status=status, request=body)
    [finding] = rejection(empty_tools, exchange)
    assert finding.check == "params.server-error"
    assert finding.fails()
    assert "400 Invalid request body" in finding.rule
    assert '500 "Internal error"' in finding.rule
    assert finding.evidence.startswith("official openai client sent the request 3 times")
    assert raised in finding.evidence
    assert server_error_findings(json_exchange(envelope, status=400, request=body), "x") == []
