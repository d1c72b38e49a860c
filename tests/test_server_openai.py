"""The official openai client, pointed at the reference server, works and maps every error."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import orjson
import pytest

from routify_suite.server import RunningServer
from tests.server_helpers import QUESTION, VALID_KEY
from tests.test_server_generation import TOOLS


def client_for(server: RunningServer, key: str = VALID_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0, timeout=10)


@pytest.fixture
def client(reference_server: RunningServer) -> Iterator[openai.OpenAI]:
    with client_for(reference_server) as client:
        yield client


def test_non_streaming(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="deepseek-v3.2", messages=QUESTION, temperature=0.3, max_tokens=256
    )
    assert completion.choices[0].message.content
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 14
    extra = completion.model_extra or {}
    assert extra["routify"]["channel"] == "deepseek-official"


def test_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="deepseek-v3.2",
        messages=QUESTION,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0


def test_tools(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="deepseek-v3.2", messages=QUESTION, tools=TOOLS, tool_choice="required"
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls
    assert isinstance(orjson.loads(choice.message.tool_calls[0].function.arguments), dict)


def test_json_mode(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="deepseek-v3.2", messages=QUESTION, response_format={"type": "json_object"}
    )
    assert isinstance(orjson.loads(completion.choices[0].message.content or ""), dict)


def test_extra_body_routify(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="routify-auto", messages=QUESTION, extra_body={"routify": {"task": "reasoning"}}
    )
    assert completion.model == "deepseek-r2-pro"


@pytest.mark.parametrize(
    ("key", "model", "fields", "exception", "status"),
    [
        ("rtf_local_nobody", "deepseek-v3.2", {}, openai.AuthenticationError, 401),
        ("rtf_local_suspended", "deepseek-v3.2", {}, openai.PermissionDeniedError, 403),
        ("rtf_local_basic", "deepseek-r2-pro", {}, openai.PermissionDeniedError, 403),
        (VALID_KEY, "deepseek-v3.2", {"temperature": 5}, openai.BadRequestError, 400),
        (VALID_KEY, "gpt-17", {}, openai.NotFoundError, 404),
        (VALID_KEY, "test-internal-error", {}, openai.InternalServerError, 500),
        (VALID_KEY, "test-upstream-down", {}, openai.APIStatusError, 502),
        ("rtf_local_maintenance", "deepseek-v3.2", {}, openai.APIStatusError, 503),
        ("rtf_local_broke", "deepseek-v3.2", {}, openai.APIStatusError, 402),
    ],
)
def test_errors_map_to_client_exceptions(
    reference_server: RunningServer,
    key: str,
    model: str,
    fields: dict[str, object],
    exception: type[openai.APIStatusError],
    status: int,
) -> None:
    with client_for(reference_server, key) as client, pytest.raises(exception) as raised:
        client.chat.completions.create(model=model, messages=QUESTION, **fields)  # type: ignore[call-overload]
    assert raised.value.status_code == status
    assert raised.value.request_id
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["code"]


def test_rate_limit_error(reference_server: RunningServer) -> None:
    caught: list[openai.RateLimitError] = []
    with client_for(reference_server, "rtf_local_ratelimited") as client:
        for _ in range(10):
            try:
                client.chat.completions.create(model="deepseek-v3.2", messages=QUESTION)
            except openai.RateLimitError as error:
                caught.append(error)
                break
    assert caught, "no RateLimitError within 10 rapid requests"
    assert caught[0].status_code == 429
    assert caught[0].response.headers["retry-after"]
