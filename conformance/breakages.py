"""Ways to make a valid request invalid, one thing at a time, each with who forbids it.

A generated invalid request is a valid one (:mod:`~routify_suite.conformance.strategies`) with
one breakage applied. ``openai_only`` follows docs/verdicts.md: what the Routify page itself
rules out (a missing ``model`` or ``messages``, a value of the wrong type for the Parameters
table, a temperature outside 0–2, an unknown role) must be rejected (``params.rejected``, MUST);
what only OpenAI rejects (``max_tokens: 0``, ``top_p`` outside 0–1, five stop sequences, an
empty tool list, a malformed tool...) is ``params.rejected-openai``, non-strict when accepted.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from routify_suite.conformance.strategies import (
    Body,
    definition,
    field,
    function_names,
    strings,
    texts,
    valid_bodies,
)
from routify_suite.target import Target

Change = Callable[[st.DrawFn, Body], None]
"""Edits a deep copy of a valid body in place, drawing what it needs."""


@dataclass(frozen=True, slots=True)
class Breakage:
    name: str
    what: str
    """The rule broken, as a report line says it (``temperature above 2``)."""
    change: Change
    openai_only: bool = False
    routify_only: bool = False
    """Breaks the routify block: only for targets in the routify profile."""


SHORT_TEXT = strings(max_size=6)
NOT_A_STRING = st.one_of(st.integers(), st.booleans(), st.none(), st.just([]), st.just({"a": 1}))
NOT_A_NUMBER = st.one_of(SHORT_TEXT, st.booleans(), st.just([0.5]), st.just({}))
NOT_AN_INTEGER = st.one_of(
    SHORT_TEXT.map(lambda text: text or "16"),
    st.floats(1.1, 99.9, allow_nan=False),
    st.booleans(),
    st.just([16]),
)
NOT_A_BOOLEAN = st.one_of(st.integers(0, 1), st.sampled_from(["true", "yes"]), st.just({}))
NOT_AN_OBJECT = st.one_of(SHORT_TEXT, st.integers(), st.just([]), st.booleans())
NOT_AN_ARRAY = st.one_of(SHORT_TEXT, st.integers(), st.just({}), st.booleans())


def _put(name: str, values: st.SearchStrategy[Any]) -> Change:
    def change(draw: st.DrawFn, body: Body) -> None:
        body[name] = draw(values)

    return change


def _drop(name: str) -> Change:
    def change(draw: st.DrawFn, body: Body) -> None:
        del body[name]

    return change


def _last_user(draw: st.DrawFn, body: Body) -> dict[str, Any]:
    return next(m for m in reversed(body["messages"]) if m["role"] == "user")


def _message_put(key: str, values: st.SearchStrategy[Any]) -> Change:
    def change(draw: st.DrawFn, body: Body) -> None:
        _last_user(draw, body)[key] = draw(values)

    return change


def _content_dropped(draw: st.DrawFn, body: Body) -> None:
    del _last_user(draw, body)["content"]


def _message_not_object(draw: st.DrawFn, body: Body) -> None:
    index = draw(st.integers(0, len(body["messages"]) - 1))
    body["messages"][index] = draw(st.one_of(texts(), st.integers(), st.just([])))


def _with_tools(draw: st.DrawFn, body: Body) -> list[dict[str, Any]]:
    if "tools" not in body:
        name = draw(function_names())
        body["tools"] = [{"type": "function", "function": {"name": name}}]
    return body["tools"]


def _stop_mixed(draw: st.DrawFn, body: Body) -> None:
    """A stop array with a non-string among strings."""
    sequences = draw(st.lists(strings(min_size=1, max_size=5), min_size=1, max_size=3))
    position = draw(st.integers(0, len(sequences)))
    sequences.insert(position, draw(st.one_of(st.integers(), st.booleans(), st.none())))
    body["stop"] = sequences


def _too_many_stops(draw: st.DrawFn, body: Body) -> None:
    most = field("stop")["oneOf"][1]["maxItems"]
    body["stop"] = draw(st.lists(strings(min_size=1, max_size=5), min_size=most + 1, max_size=8))


def _tool_edit(edit: Callable[[st.DrawFn, dict[str, Any]], None]) -> Change:
    def change(draw: st.DrawFn, body: Body) -> None:
        listed = _with_tools(draw, body)
        edit(draw, listed[draw(st.integers(0, len(listed) - 1))])

    return change


def _bad_function_name(draw: st.DrawFn, tool: dict[str, Any]) -> None:
    long = strings("abc_", 65, 70)
    tool["function"]["name"] = draw(st.one_of(st.just("get weather!"), st.just(""), long))


def _tool_choice_unlisted(draw: st.DrawFn, body: Body) -> None:
    listed = {tool["function"]["name"] for tool in _with_tools(draw, body)}
    name = draw(function_names().filter(lambda n: n not in listed))
    body["tool_choice"] = {"type": "function", "function": {"name": name}}


def _tool_choice_without_tools(draw: st.DrawFn, body: Body) -> None:
    body.pop("tools", None)
    body["tool_choice"] = draw(st.sampled_from(["auto", "required"]))


def _stream_options_mistyped(draw: st.DrawFn, body: Body) -> None:
    body["stream"] = True
    body["stream_options"] = {"include_usage": draw(NOT_A_BOOLEAN)}


def _unknown_role(draw: st.DrawFn, body: Body) -> None:
    roles = set(definition("message")["properties"]["role"]["enum"])
    _last_user(draw, body)["role"] = draw(
        st.sampled_from(["wizard", "bot", "User", "developer_x", ""]).filter(
            lambda r: r not in roles
        )
    )


def _tool_message_without_id(draw: st.DrawFn, body: Body) -> None:
    body["messages"].append({"role": "tool", "content": draw(texts())})


def _assistant_without_content(draw: st.DrawFn, body: Body) -> None:
    body["messages"].insert(len(body["messages"]) - 1, {"role": "assistant"})


def _above(name: str, by: float = 0.01) -> Change:
    high = field(name)["maximum"]
    return _put(name, st.floats(high + by, high + 1000, allow_nan=False))


def _below(name: str) -> Change:
    low = field(name)["minimum"]
    return _put(name, st.floats(low - 1000, low - 0.01, allow_nan=False))


BREAKAGES: tuple[Breakage, ...] = (
    # What the Routify page rules out (params.rejected, MUST).
    Breakage("model-missing", "no model", _drop("model")),
    Breakage("model-mistyped", "model not a string", _put("model", NOT_A_STRING)),
    Breakage("model-empty", "an empty model", _put("model", st.just(""))),
    Breakage("messages-missing", "no messages", _drop("messages")),
    Breakage("messages-mistyped", "messages not an array", _put("messages", NOT_AN_ARRAY)),
    Breakage("message-not-object", "a message that is not an object", _message_not_object),
    Breakage("message-unknown-role", "an unknown role", _unknown_role),
    Breakage("message-without-content", "a user message without content", _content_dropped),
    Breakage(
        "content-mistyped",
        "content neither text nor text parts",
        _message_put("content", st.one_of(st.integers(), st.booleans(), st.just({"a": 1}))),
    ),
    Breakage("temperature-mistyped", "temperature not a number", _put("temperature", NOT_A_NUMBER)),
    Breakage("temperature-above", "temperature above 2", _above("temperature")),
    Breakage("temperature-below", "temperature below 0", _below("temperature")),
    Breakage("top-p-mistyped", "top_p not a number", _put("top_p", NOT_A_NUMBER)),
    Breakage(
        "max-tokens-mistyped", "max_tokens not an integer", _put("max_tokens", NOT_AN_INTEGER)
    ),
    Breakage("stream-mistyped", "stream not a boolean", _put("stream", NOT_A_BOOLEAN)),
    Breakage(
        "stop-mistyped",
        "stop neither a string, an array nor null",
        _put("stop", st.one_of(st.integers(), st.booleans(), st.just({"a": "b"}))),
    ),
    Breakage("stop-mixed", "a stop array with a non-string among strings", _stop_mixed),
    Breakage("tools-mistyped", "tools not an array", _put("tools", NOT_AN_ARRAY)),
    Breakage(
        "tool-choice-mistyped",
        "tool_choice neither a string nor an object",
        _put("tool_choice", st.one_of(st.integers(), st.booleans(), st.just([]))),
    ),
    Breakage(
        "response-format-mistyped",
        "response_format not an object",
        _put("response_format", NOT_AN_OBJECT),
    ),
    Breakage(
        "routify-mistyped",
        "routify not an object",
        _put("routify", NOT_AN_OBJECT),
        routify_only=True,
    ),
    # What only OpenAI rejects (params.rejected-openai, SHOULD: accepting it is non-strict).
    Breakage(
        "max-tokens-not-positive",
        "max_tokens below 1",
        _put("max_tokens", st.integers(-100, 0)),
        openai_only=True,
    ),
    Breakage("messages-empty", "no message", _put("messages", st.just([])), openai_only=True),
    Breakage("top-p-above", "top_p above 1", _above("top_p"), openai_only=True),
    Breakage("top-p-below", "top_p below 0", _below("top_p"), openai_only=True),
    Breakage("stop-too-many", "more than 4 stop sequences", _too_many_stops, openai_only=True),
    Breakage("tools-empty", "an empty tools array", _put("tools", st.just([])), openai_only=True),
    Breakage(
        "tool-bad-name",
        "a function name outside a-zA-Z0-9_- or 1-64 characters",
        _tool_edit(_bad_function_name),
        openai_only=True,
    ),
    Breakage(
        "tool-without-function",
        "a tool without function",
        _tool_edit(lambda draw, tool: tool.pop("function")),
        openai_only=True,
    ),
    Breakage(
        "tool-wrong-type",
        'a tool whose type is not "function"',
        _tool_edit(lambda draw, tool: tool.update(type=draw(st.sampled_from(["retrieval", ""])))),
        openai_only=True,
    ),
    Breakage(
        "tool-choice-unknown",
        "a tool_choice string other than none, auto, required",
        _put("tool_choice", st.sampled_from(["any", "always", "function", ""])),
        openai_only=True,
    ),
    Breakage(
        "tool-choice-unlisted",
        "tool_choice naming a function not in tools",
        _tool_choice_unlisted,
        openai_only=True,
    ),
    Breakage(
        "tool-choice-without-tools",
        "tool_choice without tools",
        _tool_choice_without_tools,
        openai_only=True,
    ),
    Breakage(
        "tool-message-without-id",
        "a tool message without tool_call_id",
        _tool_message_without_id,
        openai_only=True,
    ),
    Breakage(
        "assistant-without-content",
        "an assistant message with neither content nor tool_calls",
        _assistant_without_content,
        openai_only=True,
    ),
    Breakage(
        "response-format-unknown",
        "a response_format type other than text and json_object",
        _put("response_format", st.sampled_from([{"type": "xml"}, {"type": "json"}])),
        openai_only=True,
    ),
    Breakage(
        "stream-options-mistyped",
        "stream_options.include_usage not a boolean",
        _stream_options_mistyped,
        openai_only=True,
    ),
    Breakage(
        "routify-option-mistyped",
        "a routify option that is not a string",
        _put("routify", st.fixed_dictionaries({"region": st.integers() | st.booleans()})),
        openai_only=True,
        routify_only=True,
    ),
)


def breakages(target: Target) -> list[Breakage]:
    """The breakages that apply to the target (the routify block's only in its profile)."""
    return [b for b in BREAKAGES if target.strict_routify or not b.routify_only]


@st.composite
def invalid_bodies(draw: st.DrawFn, target: Target, breakage: Breakage) -> tuple[str, Body]:
    """(breakage name, body): a valid body with ``breakage`` applied."""
    body = copy.deepcopy(draw(valid_bodies(target)))
    breakage.change(draw, body)
    return breakage.name, body


def breakage_named(name: str) -> Breakage:
    return next(b for b in BREAKAGES if b.name == name)
