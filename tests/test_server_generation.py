"""Generation is deterministic and honours max_tokens, stop, tools, JSON mode and routing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator

from routify_suite.schemas import RESPONSE, violations
from routify_suite.server import RunningServer
from routify_suite.server.tokenizer import count_prompt_tokens, count_tokens, tokenize
from routify_suite.server.toolargs import build_arguments
from tests.server_helpers import auth, chat
from tests.test_server_api import stream_chunks

WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather",
            "parameters": WEATHER_PARAMETERS,
        },
    },
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]


@pytest.fixture
def client(reference_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reference_server.base_url, timeout=10) as client:
        yield client


def complete(client: httpx.Client, key: str = "rtf_local_valid", **fields: Any) -> dict[str, Any]:
    model = str(fields.pop("model", "deepseek-v3.2"))
    response = client.post("/chat/completions", json=chat(model, **fields), headers=auth(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert violations(RESPONSE, body) == []
    return body


def content_of(body: dict[str, Any]) -> str:
    return body["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    "text", ["", "Paris.", "Hello,  world!\n", "  leading and trailing  ", "naïve café: 3.14?"]
)
def test_tokenizer_is_lossless(text: str) -> None:
    assert "".join(tokenize(text)) == text
    assert count_tokens(text) == len(tokenize(text))


def test_prompt_count_matches_spec_example() -> None:
    assert count_prompt_tokens(chat()) == 14
    assert count_tokens("Paris.") == 2


def test_usage_counts_the_text(client: httpx.Client) -> None:
    body = complete(client)
    assert body["usage"]["completion_tokens"] == count_tokens(content_of(body))


def test_max_tokens_caps_with_length(client: httpx.Client) -> None:
    full = content_of(complete(client))
    capped = complete(client, max_tokens=5)
    assert capped["usage"]["completion_tokens"] == 5
    assert capped["choices"][0]["finish_reason"] == "length"
    assert full.startswith(content_of(capped))
    roomy = complete(client, max_tokens=4096)
    assert roomy["choices"][0]["finish_reason"] == "stop"
    assert content_of(roomy) == full


@pytest.mark.parametrize("as_list", [False, True])
def test_stop_sequence_ends_the_text(client: httpx.Client, as_list: bool) -> None:
    full = content_of(complete(client))
    word = tokenize(full)[8].strip()
    stop: str | list[str] = ["zzz-never", word] if as_list else word
    body = complete(client, stop=stop)
    assert content_of(body) == full[: full.find(word)]
    assert word not in content_of(body)
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == count_tokens(content_of(body))


def test_stop_is_honoured_in_streams(client: httpx.Client) -> None:
    full = content_of(complete(client))
    word = tokenize(full)[8].strip()
    body = chat(stop=word, stream=True)
    with client.stream("POST", "/chat/completions", json=body, headers=auth()) as response:
        chunks = stream_chunks(response)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == full[: full.find(word)]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def arguments_of(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"]
    return call["function"]["name"], orjson.loads(call["function"]["arguments"])


@pytest.mark.parametrize(
    "tool_choice",
    ["auto", "required", {"type": "function", "function": {"name": "get_weather"}}, None],
    ids=["auto", "required", "named", "default"],
)
def test_tools_yield_valid_calls(client: httpx.Client, tool_choice: Any) -> None:
    fields: dict[str, Any] = {"tools": TOOLS}
    if tool_choice is not None:
        fields["tool_choice"] = tool_choice
    name, arguments = arguments_of(complete(client, **fields))
    parameters = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}[name]
    assert list(Draft202012Validator(parameters).iter_errors(arguments)) == []
    if isinstance(tool_choice, dict):
        assert name == "get_weather"


def test_tool_choice_none_answers_in_text(client: httpx.Client) -> None:
    body = complete(client, tools=TOOLS, tool_choice="none")
    assert body["choices"][0]["finish_reason"] == "stop"
    assert content_of(body)


def test_tool_result_gets_a_text_reply(client: httpx.Client) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    messages = [
        *chat()["messages"],
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "12:00"},
    ]
    response = client.post(
        "/chat/completions",
        json={"model": "deepseek-v3.2", "messages": messages, "tools": TOOLS},
        headers=auth(),
    )
    assert response.json()["choices"][0]["finish_reason"] == "stop"


def test_unknown_tool_choice_is_400(client: httpx.Client) -> None:
    choice = {"type": "function", "function": {"name": "launch"}}
    response = client.post(
        "/chat/completions", json=chat(tools=TOOLS, tool_choice=choice), headers=auth()
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "tool_choice"


def test_streamed_tool_call_reassembles(client: httpx.Client) -> None:
    plain = complete(client, tools=TOOLS, tool_choice="required")
    body = chat(tools=TOOLS, tool_choice="required", stream=True)
    with client.stream("POST", "/chat/completions", json=body, headers=auth()) as response:
        chunks = stream_chunks(response)
    pieces = [
        call for chunk in chunks for call in chunk["choices"][0]["delta"].get("tool_calls") or ()
    ]
    assert pieces[0]["id"]
    assert pieces[0]["function"]["name"]
    arguments = "".join(piece["function"].get("arguments", "") for piece in pieces)
    expected = plain["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert arguments == expected
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_json_mode_yields_an_object(client: httpx.Client) -> None:
    body = complete(client, response_format={"type": "json_object"})
    assert isinstance(orjson.loads(content_of(body)), dict)
    assert body["usage"]["completion_tokens"] == count_tokens(content_of(body))


@pytest.mark.parametrize(
    ("key", "routify", "model"),
    [
        ("rtf_local_valid", None, "deepseek-v3.2"),
        ("rtf_local_valid", {"task": "reasoning"}, "deepseek-r2-pro"),
        ("rtf_local_basic", {"task": "reasoning"}, "deepseek-v3.2"),
        ("rtf_local_valid", {"task": "chat", "region": "us"}, "deepseek-v3.2"),
    ],
)
def test_auto_routes_to_a_concrete_model(
    client: httpx.Client, key: str, routify: dict[str, str] | None, model: str
) -> None:
    fields: dict[str, Any] = {"model": "routify-auto"}
    if routify:
        fields["routify"] = routify
    body = complete(client, key, **fields)
    assert body["model"] == model
    if routify and routify.get("region") == "us":
        assert body["routify"]["channel"] == "aws-us-east"


COMPLEX_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "$defs": {"point": {"type": "object", "properties": {"x": {"type": "number"}}}},
    "properties": {
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": True},
        "where": {"$ref": "#/$defs/point"},
        "mode": {"const": "fast"},
        "choice": {"anyOf": [{"type": "integer", "exclusiveMinimum": 10}, {"type": "null"}]},
        "ratio": {"type": "number", "minimum": 0.1, "maximum": 0.2},
        "when": {"type": "string", "format": "date-time"},
        "code": {"type": "string", "maxLength": 3},
        "flag": {"type": ["boolean", "null"]},
        "even": {"type": "integer", "multipleOf": 2, "minimum": 3, "maximum": 9},
    },
    "required": ["tags", "extra"],
}


@pytest.mark.parametrize("seed", range(20))
def test_tool_arguments_fit_their_schema(seed: int) -> None:
    arguments = build_arguments(COMPLEX_PARAMETERS, random.Random(seed))
    assert list(Draft202012Validator(COMPLEX_PARAMETERS).iter_errors(arguments)) == []
    assert "extra" in arguments
