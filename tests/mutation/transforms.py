"""The transformations deviations are made of: small functions over requests, replies and streams.

Each returns a new value (or edits a deep copy), so a deviation never changes what another sees.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from routify_suite import schemas
from tests.mutation.deviation import Reply, Upstream
from tests.mutation.framing import DONE

Doc = dict[str, Any]


# --- building blocks -------------------------------------------------------------------------


def on_success(change: Callable[[Doc], Doc | None]) -> Callable[[Reply, Upstream], Reply]:
    """Apply ``change`` to the JSON body of 2xx replies (it may edit in place and return None)."""

    def apply(reply: Reply, _: Upstream) -> Reply:
        document = reply.document()
        if reply.status >= 300 or not isinstance(document, dict) or "choices" not in document:
            return reply
        document = copy.deepcopy(document)
        changed = change(document)
        return reply.with_document(document if changed is None else changed)

    return apply


def on_error(change: Callable[[Reply], Reply]) -> Callable[[Reply, Upstream], Reply]:
    """Apply ``change`` to non-2xx replies."""
    return lambda reply, _: change(reply) if reply.status >= 400 else reply


def on_chunks(change: Callable[[Doc, int], None]) -> Callable[[list[Any]], list[Any]]:
    """Edit each JSON chunk of a stream in place (with its position among the chunks)."""

    def apply(events: list[Any]) -> list[Any]:
        events = copy.deepcopy(events)
        chunks = [event for event in events if isinstance(event, dict)]
        for number, chunk in enumerate(chunks):
            change(chunk, number)
        return events

    return apply


def edit_request(change: Callable[[Doc], None]) -> Callable[[Upstream], Upstream]:
    """Edit the JSON request body before it reaches the reference server."""

    def apply(upstream: Upstream) -> Upstream:
        document = upstream.document()
        if not isinstance(document, dict):
            return upstream
        change(document)
        return upstream.with_document(document)

    return apply


def set_header(name: str, value: str) -> Callable[[dict[str, str]], dict[str, str]]:
    def apply(headers: dict[str, str]) -> dict[str, str]:
        headers = {key: item for key, item in headers.items() if key.lower() != name.lower()}
        headers[name] = value
        return headers

    return apply


def reply_header(
    name: str, value: str, *, errors: bool = False
) -> Callable[[Reply, Upstream], Reply]:
    def apply(reply: Reply, _: Upstream) -> Reply:
        if (reply.status >= 400) != errors:
            return reply
        return Reply(reply.status, set_header(name, value)(reply.headers), reply.body)

    return apply


def finish_chunks(events: list[Any]) -> list[Doc]:
    return [
        event
        for event in events
        if isinstance(event, dict)
        and any(choice.get("finish_reason") for choice in event.get("choices", []))
    ]


def every(*changes: Callable[..., Any]) -> Callable[..., Any]:
    """Edits in place applied one after another (chunk edits, request edits)."""

    def apply(*args: Any) -> None:
        for change in changes:
            change(*args)

    return apply


def in_turn(*changes: Callable[[Reply], Reply]) -> Callable[[Reply], Reply]:
    """Reply changes applied one after another."""

    def apply(reply: Reply) -> Reply:
        for change in changes:
            reply = change(reply)
        return reply

    return apply


# --- SSE framing and stream content ----------------------------------------------------------


def drop_done(events: list[Any]) -> list[Any]:
    return [event for event in events if event != DONE]


def double_done(events: list[Any]) -> list[Any]:
    return [*events, DONE]


def event_after_done(events: list[Any]) -> list[Any]:
    first = next(event for event in events if isinstance(event, dict))
    return [*events, copy.deepcopy(first)]


def broken_json(events: list[Any]) -> list[Any]:
    events = list(events)
    events[1] = '{"id": "chatcmpl-broken", "choices": [{"delta": {"content": "x"'
    return events


def change_id(chunk: Doc, number: int) -> None:
    if number >= 2:
        chunk["id"] = f"{chunk['id']}-{number}"


def change_model(chunk: Doc, number: int) -> None:
    if number >= 2:
        chunk["model"] = chunk["model"] + "-other"


def change_created(chunk: Doc, number: int) -> None:
    if number >= 2:
        chunk["created"] = chunk["created"] + 3600


def no_finish_reason(chunk: Doc, _: int) -> None:
    for choice in chunk.get("choices", []):
        choice["finish_reason"] = None


def finish_twice(events: list[Any]) -> list[Any]:
    events = copy.deepcopy(events)
    last = finish_chunks(events)[-1]
    position = events.index(last)
    return [*events[: position + 1], copy.deepcopy(last), *events[position + 1 :]]


def chunk_object(chunk: Doc, _: int) -> None:
    chunk["object"] = "chat.completion"


def drop_usage_chunk(events: list[Any]) -> list[Any]:
    return [event for event in events if not (isinstance(event, dict) and event.get("usage"))]


def usage_chunk_sum(chunk: Doc, _: int) -> None:
    if chunk.get("usage"):
        chunk["usage"]["total_tokens"] += 3


def delta_content_number(chunk: Doc, number: int) -> None:
    for choice in chunk.get("choices", []):
        if number == 1 and "content" in choice.get("delta", {}):
            choice["delta"]["content"] = 7


def no_blank_lines(writes: list[bytes]) -> list[bytes]:
    return [write.replace(b"\n\n", b"\n") for write in writes]


def no_data_prefix(writes: list[bytes]) -> list[bytes]:
    return [write.replace(b"data: ", b"") for write in writes]


def unterminated_last(writes: list[bytes]) -> list[bytes]:
    return [*writes[:-1], writes[-1].rstrip(b"\n") + b"\n"]


def invalid_utf8(writes: list[bytes]) -> list[bytes]:
    writes = list(writes)
    writes[1] = writes[1].replace(b'"content":"', b'"content":"\xff\xfe', 1)
    return writes


# --- non-streaming shape ---------------------------------------------------------------------


def drop(*path: str | int) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target.pop(path[-1], None)

    return change


def put(value: Any, *path: str | int) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value

    return change


def tool_arguments_object(document: Doc) -> None:
    for choice in document["choices"]:
        for call in choice["message"].get("tool_calls") or []:
            call["function"]["arguments"] = {"raw": call["function"]["arguments"]}


def model_unresolved(document: Doc) -> None:
    document["model"] = "routify-auto"


# --- errors ----------------------------------------------------------------------------------


def unwrap_error(reply: Reply) -> Reply:
    document = reply.document()
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        return reply.with_document(document["error"])
    return reply


def html_error(reply: Reply) -> Reply:
    body = f"<html><body><h1>{reply.status} Error</h1></body></html>".encode()
    return Reply(reply.status, set_header("content-type", "text/html")(reply.headers), body)


def error_as_200(reply: Reply) -> Reply:
    return Reply(200, reply.headers, reply.body)


def remap_status(mapping: dict[int, int]) -> Callable[[Reply], Reply]:
    def change(reply: Reply) -> Reply:
        return Reply(mapping.get(reply.status, reply.status), reply.headers, reply.body)

    return change


def drop_retry_after(reply: Reply) -> Reply:
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "retry-after"}
    return Reply(reply.status, headers, reply.body)


def edit_error(change: Callable[[Doc], None]) -> Callable[[Reply], Reply]:
    """Apply ``change`` to the envelope's ``error`` object; a reply without one passes as is."""

    def apply(reply: Reply) -> Reply:
        document = reply.document()
        if isinstance(document, dict) and isinstance(document.get("error"), dict):
            change(document["error"])
            return reply.with_document(document)
        return reply

    return apply


error_without_type = edit_error(drop("type"))


# --- requests: authentication and parameters not enforced --------------------------------------

VALID_KEY = "rtf_local_valid"


def any_key_accepted(upstream: Upstream) -> Upstream:
    headers = {k: v for k, v in upstream.headers.items() if k.lower() != "authorization"}
    headers["authorization"] = f"Bearer {VALID_KEY}"
    return Upstream(upstream.method, upstream.path, headers, upstream.body)


def drop_params(*names: str) -> Callable[[Upstream], Upstream]:
    def change(document: Doc) -> None:
        for name in names:
            document.pop(name, None)

    return edit_request(change)


def unvalidated(upstream: Upstream) -> Upstream:
    """What a server that validates nothing does: it makes something of any body."""
    document = upstream.document()
    if isinstance(document, dict) and schemas.is_valid(schemas.REQUEST, document):
        return upstream
    model = document.get("model") if isinstance(document, dict) else None
    repaired = {
        "model": model if isinstance(model, str) and model else "deepseek-v3.2",
        "messages": [{"role": "user", "content": "hi"}],
    }
    if isinstance(document, dict) and document.get("stream") is True:
        repaired["stream"] = True
    headers = set_header("content-type", "application/json")(upstream.headers)
    return Upstream(upstream.method, upstream.path, headers, b"").with_document(repaired)


def clamp_temperature(document: Doc) -> None:
    if isinstance(document.get("temperature"), int | float):
        document["temperature"] = min(max(document["temperature"], 0), 2)


def stream_ignored(document: Doc) -> None:
    document["stream"] = False
    document.pop("stream_options", None)


# --- more deviations: one for each check no other deviation reaches ---------------------------

RESTRICTED_TIER_KEY = "rtf_local_basic"
RESTRICTED_MODEL = "deepseek-r2-pro"


def same_id(document: Doc) -> None:
    document["id"] = "chatcmpl-always-the-same"


def same_chunk_id(chunk: Doc, _: int) -> None:
    chunk["id"] = "chatcmpl-always-the-same"


def finish_tool_calls_without_calls(document: Doc) -> None:
    for choice in document["choices"]:
        if not choice["message"].get("tool_calls"):
            choice["finish_reason"] = "tool_calls"


def success_not_json(reply: Reply, _: Upstream) -> Reply:
    if reply.status != 200 or not isinstance(reply.document(), dict):
        return reply
    return Reply(reply.status, reply.headers, b"OK")


def success_as_201(reply: Reply, _: Upstream) -> Reply:
    return Reply(201, reply.headers, reply.body) if reply.status == 200 else reply


def reject_top_p(document: Doc) -> None:
    """A server that refuses top_p: the reference server answers 400 to the out-of-range value."""
    if "top_p" in document:
        document["temperature"] = 5


def tier_refuses_every_model(upstream: Upstream) -> Upstream:
    """The restricted tier's key gets 403 whatever the model."""
    if RESTRICTED_TIER_KEY not in upstream.headers.get("authorization", ""):
        return upstream
    document = upstream.document()
    if not isinstance(document, dict):
        return upstream
    return upstream.with_document({**document, "model": RESTRICTED_MODEL})


def key_without_bearer_accepted(upstream: Upstream) -> Upstream:
    """A server that takes a valid key also as ``Basic <key>`` or a bare ``<key>``."""
    value = next((v for k, v in upstream.headers.items() if k.lower() == "authorization"), "")
    key = value.removeprefix("Basic ").strip()
    if not key.startswith("rtf_") or value.startswith("Bearer "):
        return upstream
    headers = {k: v for k, v in upstream.headers.items() if k.lower() != "authorization"}
    headers["authorization"] = f"Bearer {key}"
    return Upstream(upstream.method, upstream.path, headers, upstream.body)


def usage_chunk_empty_choice(chunk: Doc, _: int) -> None:
    """The usage chunk carries one choice with an empty delta instead of ``choices: []``."""
    if isinstance(chunk.get("usage"), dict) and chunk.get("choices") == []:
        chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": None}]
