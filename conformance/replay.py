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


def _transport(exchange: Exchange) -> httpx.MockTransport:
    headers = [(k, v) for k, v in exchange.headers.multi_items() if k.lower() not in HOP_HEADERS]

    def answer(request: httpx.Request) -> httpx.Response:
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


def replay(exchange: Exchange) -> ClientView:
    """What ``openai.OpenAI().chat.completions.create`` returned or raised for these bytes."""
    import openai

    request = dict(exchange.request)
    model, messages = request.pop("model"), request.pop("messages")
    stream = request.pop("stream", None) is True
    view = ClientView()
    with httpx.Client(transport=_transport(exchange)) as http:
        client = openai.OpenAI(
            api_key="replay", base_url=REPLAY_BASE_URL, http_client=http, max_retries=0
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
