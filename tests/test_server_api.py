"""The reference server's core contract: auth, validation, response and stream shapes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from routify_suite.schemas import CHUNK, ERROR, RESPONSE, violations
from routify_suite.server import RunningServer, running_server
from routify_suite.sse import DONE, parse_stream
from tests.server_helpers import VALID_KEY, auth, chat


@pytest.fixture
def client(reference_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reference_server.base_url, timeout=10) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    body = response.json()
    assert violations(ERROR, body) == []
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def stream_chunks(response: httpx.Response) -> list[dict[str, Any]]:
    parsed = parse_stream(response.read())
    assert parsed.violations == []
    assert parsed.events[-1].data == DONE
    assert [event.data for event in parsed.events].count(DONE) == 1
    return [orjson.loads(event.data) for event in parsed.events[:-1]]


def test_non_streaming_response_is_valid_and_priced(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat(), headers=auth())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert violations(RESPONSE, body) == []
    assert body["usage"]["prompt_tokens"] == 14  # the spec's example counts 14
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert 20 <= usage["completion_tokens"] <= 60
    assert body["routify"]["channel"] == "deepseek-official"
    assert body["id"].removeprefix("chatcmpl-") in response.headers["x-request-id"]


def test_same_request_same_text(client: httpx.Client) -> None:
    texts = {
        client.post("/chat/completions", json=chat(), headers=auth()).json()["choices"][0][
            "message"
        ]["content"]
        for _ in range(3)
    }
    assert len(texts) == 1


@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_shape(client: httpx.Client, include_usage: bool) -> None:
    body = chat(stream=True, stream_options={"include_usage": include_usage})
    with client.stream("POST", "/chat/completions", json=body, headers=auth()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        request_id = response.headers["x-request-id"]
        chunks = stream_chunks(response)
    for chunk in chunks:
        assert violations(CHUNK, chunk) == []
    assert len({(c["id"], c["model"], c["created"]) for c in chunks}) == 1
    assert chunks[0]["id"].removeprefix("chatcmpl-") in request_id
    assert [c for c in chunks if "routify" in c], "no chunk carries the routify block"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    finishes = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finishes) == 1
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    plain = client.post("/chat/completions", json=chat(), headers=auth()).json()
    assert text == plain["choices"][0]["message"]["content"]
    if include_usage:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"] == plain["usage"]
        assert finishes[0] is chunks[-2]
    else:
        assert finishes[0] is chunks[-1]
        assert all("usage" not in c or c["usage"] is None for c in chunks)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_authorization_header"),
        ({"Authorization": "Bearer"}, "invalid_authorization_header"),
        ({"Authorization": "Bearer rtf_unknown_key"}, "invalid_api_key"),
    ],
    ids=["missing", "wrong-scheme", "empty", "unknown"],
)
def test_401(client: httpx.Client, headers: dict[str, str], code: str) -> None:
    error = assert_error(client.post("/chat/completions", json=chat(), headers=headers), 401, code)
    assert "rtf_unknown_key" not in error["message"]


def test_bearer_scheme_is_case_insensitive(client: httpx.Client) -> None:
    headers = {"Authorization": f"bearer {VALID_KEY}"}
    assert client.post("/chat/completions", json=chat(), headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (chat(temperature=2.01), "temperature"),
        (chat(temperature="hot"), "temperature"),
        (chat(top_p=1.5), "top_p"),
        (chat(max_tokens=0), "max_tokens"),
        (chat(max_tokens=2.5), "max_tokens"),
        (chat(stream="yes"), "stream"),
        (chat(stop=["a", "b", "c", "d", "e"]), "stop"),
        (chat(response_format={"type": "yaml"}), "response_format"),
        (chat(tool_choice="sometimes"), "tool_choice"),
        ({"model": "deepseek-v3.2", "messages": []}, "messages"),
        ({"model": "deepseek-v3.2", "messages": [{"role": "wizard", "content": "x"}]}, "messages"),
        ({"messages": chat()["messages"]}, "model"),
        ({"model": "deepseek-v3.2"}, "messages"),
        (chat(tool_choice="required"), "tool_choice"),
    ],
    ids=lambda value: "" if isinstance(value, dict) else value,
)
def test_400_names_the_param(client: httpx.Client, body: dict[str, Any], param: str) -> None:
    error = assert_error(client.post("/chat/completions", json=body, headers=auth()), 400)
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"


def test_boundaries_accepted(client: httpx.Client) -> None:
    for fields in (
        {"temperature": 0},
        {"temperature": 2},
        {"top_p": 0},
        {"top_p": 1},
        {"max_tokens": 1},
        {"stop": None},
    ):
        response = client.post("/chat/completions", json=chat(**fields), headers=auth())
        assert response.status_code == 200, (fields, response.text)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (orjson.dumps(chat()), "text/plain"),
        (orjson.dumps(chat()), "application/x-www-form-urlencoded"),
    ],
    ids=["malformed", "not-an-object", "text-plain", "form"],
)
def test_bad_body_gets_envelope(client: httpx.Client, content: bytes, content_type: str) -> None:
    headers = {**auth(), "Content-Type": content_type}
    assert_error(client.post("/chat/completions", content=content, headers=headers), 400)


def test_content_type_with_charset_is_fine(client: httpx.Client) -> None:
    headers = {**auth(), "Content-Type": "application/json; charset=utf-8"}
    response = client.post("/chat/completions", content=orjson.dumps(chat()), headers=headers)
    assert response.status_code == 200


def test_unknown_model_is_404(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat("gpt-17"), headers=auth())
    assert assert_error(response, 404, "model_not_found")["param"] == "model"


@pytest.mark.parametrize(("method", "path"), [("GET", "/chat/completions"), ("GET", "/nope")])
def test_other_routes_get_envelope(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, headers=auth())
    assert response.status_code in (404, 405)
    assert_error(response, response.status_code)


def test_models_lists_every_model(client: httpx.Client) -> None:
    response = client.get("/models", headers=auth())
    assert response.status_code == 200
    names = {model["id"] for model in response.json()["data"]}
    assert {"deepseek-v3.2", "deepseek-r2-pro", "routify-auto", "test-failover"} <= names
    assert_error(client.get("/models"), 401, "missing_api_key")


def test_models_retrieve_one(client: httpx.Client) -> None:
    response = client.get("/models/deepseek-r2-pro", headers=auth())
    assert response.status_code == 200
    assert response.json()["id"] == "deepseek-r2-pro"
    assert response.json()["routify"]["min_tier"] == "pro"
    assert_error(client.get("/models/gpt-17", headers=auth()), 404, "model_not_found")


def test_accounts_from_a_file(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.toml"
    accounts.write_text('[[accounts]]\nkey = "rtf_file_key"\nbalance_usd = "0.5"\ntier = "basic"\n')
    with running_server(accounts=accounts) as server, httpx.Client(base_url=server.base_url) as c:
        assert c.post("/chat/completions", json=chat(), headers=auth("rtf_file_key")).is_success
        assert_error(c.post("/chat/completions", json=chat(), headers=auth()), 401)
        restricted = chat("deepseek-r2-pro")
        response = c.post("/chat/completions", json=restricted, headers=auth("rtf_file_key"))
        assert_error(response, 403, "model_not_allowed")
