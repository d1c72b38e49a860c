"""Replay a recorded exchange through the official ``openai`` Python client, with no network.

The client gets an ``httpx.Client`` whose ``MockTransport`` answers with the very status, headers
and bytes the server sent, so what it makes of them is what an application using it would have
seen. Nothing is sent twice. The ``openai`` package is optional (the ``client`` extra): without it
:func:`available` is False and no replay happens.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

import httpx

from routify_suite.conformance.exchange import Exchange

REPLAY_BASE_URL = "http://replay.invalid/v1"
"""Never dialled: the mock transport answers every request."""
HOP_HEADERS = ("content-length", "content-encoding", "transfer-encoding", "connection")
"""The body kept is already decoded and whole, so these no longer describe it."""
RETRY_WAIT_HEADERS = ("retry-after", "retry-after-ms")
PROMPT_RETRY = ("retry-after-ms", "1")
"""Added to an answer that names no wait, when the client's retries are replayed: the client
then waits 1 ms instead of its backoff (about 1.5 s); whether it retries is still its own call."""


@dataclass(slots=True)
class ClientView:
    """Choice 0 as the official client delivered it, or the exception it raised."""

    raised: str = ""
    status_error: int | None = None
    """The status of the APIStatusError the client raised for a non-2xx, if it did."""
    content: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    finish_reason: Any = None
    usage: dict[str, Any] | None = None
    attempts: int = 0
    """How many times the client sent the request (1 + its retries)."""


def available() -> bool:
    return importlib.util.find_spec("openai") is not None


def replayable(exchange: Exchange) -> bool:
    """A complete exchange of a JSON body with model and messages, and a status."""
    request = exchange.request
    return (
        exchange.failure is None
        and exchange.status is not None
        and isinstance(request, dict)
        and "model" in request
        and "messages" in request
    )


def _transport(exchange: Exchange, view: ClientView, retries: bool) -> httpx.MockTransport:
    headers = [(k, v) for k, v in exchange.headers.multi_items() if k.lower() not in HOP_HEADERS]
    if retries and not any(k.lower() in RETRY_WAIT_HEADERS for k, _ in headers):
        headers.append(PROMPT_RETRY)

    def answer(request: httpx.Request) -> httpx.Response:
        view.attempts += 1
        return httpx.Response(exchange.status or 0, headers=headers, content=exchange.body)

    return httpx.MockTransport(answer)


def _usage(usage: Any) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        name: getattr(usage, name, None)
        for name in ("prompt_tokens", "completion_tokens", "total_tokens")
    }


def _calls(slots: dict[int, list[str]]) -> list[tuple[str, str]]:
    return [(slots[index][0], slots[index][1]) for index in sorted(slots)]


def _read_stream(stream: Any, view: ClientView) -> None:
    slots: dict[int, list[str]] = {}
    for chunk in stream:
        if getattr(chunk, "usage", None) is not None:
            view.usage = _usage(chunk.usage)
        for choice in chunk.choices or []:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta is not None and isinstance(delta.content, str):
                view.content += delta.content
            for call in (delta.tool_calls if delta is not None else None) or []:
                slot = slots.setdefault(call.index or 0, ["", ""])
                if call.function is not None:
                    slot[0] += call.function.name or ""
                    slot[1] += call.function.arguments or ""
            if choice.finish_reason is not None:
                view.finish_reason = choice.finish_reason
    view.tool_calls = _calls(slots)


def _read_response(completion: Any, view: ClientView) -> None:
    view.usage = _usage(completion.usage)
    choice = completion.choices[0] if completion.choices else None
    if choice is None:
        return
    view.finish_reason = choice.finish_reason
    message = choice.message
    view.content = message.content if isinstance(message.content, str) else ""
    view.tool_calls = [
        (call.function.name or "", call.function.arguments or "")
        for call in message.tool_calls or []
    ]


def replay(exchange: Exchange, retries: bool = False) -> ClientView:
    """What ``openai.OpenAI().chat.completions.create`` returned or raised for these bytes;
    with ``retries``, the client keeps its default retries (every attempt gets the same answer)."""
    import openai

    request = dict(exchange.request)
    model, messages = request.pop("model"), request.pop("messages")
    stream = request.pop("stream", None) is True
    view = ClientView()
    max_retries = openai.DEFAULT_MAX_RETRIES if retries else 0
    with httpx.Client(transport=_transport(exchange, view, retries)) as http:
        client = openai.OpenAI(
            api_key="replay", base_url=REPLAY_BASE_URL, http_client=http, max_retries=max_retries
        )
        try:
            result = client.chat.completions.create(
                model=model, messages=messages, stream=stream, extra_body=request or None
            )
            if stream:
                _read_stream(result, view)
            else:
                _read_response(result, view)
        except openai.APIStatusError as error:
            view.status_error = error.status_code
            view.raised = f"{type(error).__name__}: {error}"
        except Exception as error:  # the point is to see what the client does with any bytes
            view.raised = f"{type(error).__name__}: {error}"
    return view
