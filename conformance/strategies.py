"""Hypothesis strategies for valid chat completion requests, read from the request schema.

Bounds, enums and patterns come from ``schemas/chat-completion-request.json`` (the single source
of every shape), so a change there changes what is generated. What a schema cannot say is added
here, in the form OpenAI's own API accepts, because a valid request must be one every
OpenAI-compatible server answers 2xx: the models are the target's, a conversation ends with a
user or tool turn and answers each tool call it makes, ``tool_choice`` names a listed tool,
``stream_options`` comes only with ``stream: true``, JSON mode's messages say "JSON", and the
``routify`` block goes only to targets in the routify profile.

Why not ``hypothesis-jsonschema``: its 0.23 release fails on the Hypothesis this suite installs
(``AttributeError: 'many' object has no attribute 'more'``) before drawing anything, it targets
drafts 4, 6 and 7 (the schemas are 2020-12), and a request it draws from the schema alone is
valid for the schema but not for a server (an arbitrary ``model`` string is a 404).
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any, Final

from hypothesis import strategies as st

from routify_suite import schemas
from routify_suite.target import Target

Body = dict[str, Any]

MAX_MESSAGES = 6
"""Turns before the last one; a conversation is at most this long plus a question."""
MAX_TOKENS_DRAWN = 48
"""Generated max_tokens stay small: a fuzz run must cost seconds against a real model."""
LONG_TEXT = 1500
PARAMETER_DEPTH = 3
"""Levels of objects nested in a generated tool's parameters schema."""


@cache
def request_schema() -> dict[str, Any]:
    return schemas.load_schema(schemas.REQUEST)


def field(name: str) -> dict[str, Any]:
    """The schema of one top-level request field."""
    return request_schema()["properties"][name]


def definition(name: str) -> dict[str, Any]:
    return request_schema()["$defs"][name]


def _bounded_number(schema: dict[str, Any]) -> st.SearchStrategy[float | int]:
    """The bounds, whole numbers between them, any float between them, and floats just inside
    either bound (a tenth of the range), where servers' special cases tend to sit."""
    low, high = schema["minimum"], schema["maximum"]
    edge = (high - low) / 10
    return st.one_of(
        st.sampled_from([low, high]),
        st.floats(low, low + edge, exclude_min=True),
        st.floats(high - edge, high, exclude_max=True),
        st.floats(low, high),
        st.integers(int(low), int(high)),
    )


def _span(first: int, last: int) -> str:
    return "".join(map(chr, range(first, last + 1)))


ALPHABET: Final = (
    _span(0x20, 0x7E)  # printable ASCII
    + "\n\t\u00a0"
    + _span(0xC0, 0xFF)  # Latin-1 letters
    + _span(0x300, 0x36F)  # combining marks
    + _span(0x391, 0x3C9)  # Greek
    + _span(0x410, 0x44F)  # Cyrillic
    + _span(0x5D0, 0x5EA)  # Hebrew (right to left)
    + _span(0x627, 0x64A)  # Arabic
    + _span(0x905, 0x939)  # Devanagari
    + _span(0x3041, 0x3093)  # Hiragana
    + _span(0x4E00, 0x4E7F)  # CJK ideographs
    + _span(0xAC00, 0xAC3F)  # Hangul
    + _span(0x1F600, 0x1F64F)  # emoji (outside the BMP: surrogate pairs in UTF-16)
    + "\u200b\u200d\u2028\u2029\ufeff"  # zero width space and joiner, separators, BOM
)
"""The characters of generated text: many scripts, combining marks, characters beyond the BMP
and the invisible ones, all valid UTF-8 (no lone surrogates). A fixed string rather than
Unicode categories, so a seed draws the same text on every Python (whose Unicode tables
differ) and Hypothesis writes no character cache into the working directory."""


def strings(
    alphabet: str = ALPHABET, min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy[str]:
    """Text of ``alphabet``'s characters. Lists of characters joined, because ``st.text``
    resolves any alphabet through Hypothesis's Unicode tables (and writes their cache)."""
    return st.lists(st.sampled_from(alphabet), min_size=min_size, max_size=max_size).map("".join)


@cache
def texts() -> st.SearchStrategy[str]:
    """Message text: a few words, a long paragraph, or any Unicode."""
    words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
    unicode = strings(min_size=1, max_size=80)
    long = st.tuples(st.integers(1, 2**32), st.integers(200, LONG_TEXT)).map(_long_text)
    return st.one_of(words, unicode, long)


def _long_text(drawn: tuple[int, int]) -> str:
    """A paragraph of words picked by a number, cut to a length (two cheap draws a shrink can
    make smaller, where drawing each word would cost hundreds)."""
    import random

    number, length = drawn
    pick = random.Random(number)
    return " ".join(pick.choice(WORDS) for _ in range(length // 3))[:length]


WORDS = (
    "Capital",
    "of",
    "France?",
    "Explain",
    "rivers",
    "in",
    "two",
    "lines.",
    "Résumé",
    "naïve",
    "東京",
    "Straße",
    "🙂",
    "λ",
    "why",
    "the",
    "sky",
    "is",
    "blue",
)


@cache
def contents() -> st.SearchStrategy[str | list[dict[str, str]]]:
    """A string, or text parts (OpenAI's list form)."""
    part = texts().map(lambda text: {"type": "text", "text": text})
    return st.one_of(texts(), st.lists(part, min_size=1, max_size=3))


@cache
def function_names() -> st.SearchStrategy[str]:
    """Names the schema's pattern admits (a test holds this alphabet to the pattern)."""
    pattern = definition("functionName")["pattern"]
    assert pattern == "^[a-zA-Z0-9_-]{1,64}$", "update function_names() to the new pattern"
    return strings(FUNCTION_NAME_ALPHABET, 1, 64)


FUNCTION_NAME_ALPHABET: Final = string.ascii_letters + string.digits + "_-"
PROPERTY_NAMES = strings(string.ascii_lowercase + "_", 1, 12)


LEAF_SCHEMAS = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "integer"}),
    st.just({"type": "number"}),
    st.just({"type": "boolean"}),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True).map(
        lambda values: {"type": "string", "enum": values}
    ),
    st.just({"type": "array", "items": {"type": "string"}}),
)


@st.composite
def parameter_schemas(draw: st.DrawFn, depth: int = PARAMETER_DEPTH) -> dict[str, Any]:
    """A JSON Schema ``object`` for a tool's arguments; its properties are often objects
    themselves (nested up to ``depth`` levels), as real tools' are."""
    properties: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 4))):
        nested = depth > 1 and draw(st.integers(0, 2)) != 0  # False: the simpler value
        schema = draw(parameter_schemas(depth - 1)) if nested else draw(LEAF_SCHEMAS)
        properties[draw(PROPERTY_NAMES)] = schema
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = (
        draw(st.lists(st.sampled_from(sorted(properties)), unique=True)) if properties else []
    )
    if required:
        schema["required"] = sorted(required)
    if draw(st.booleans()):
        schema["additionalProperties"] = False
    return schema


@cache
def tools() -> st.SearchStrategy[list[dict[str, Any]]]:
    def tool(name: str, description: str | None, parameters: dict | None) -> dict[str, Any]:
        function: dict[str, Any] = {"name": name}
        if description is not None:
            function["description"] = description
        if parameters is not None:
            function["parameters"] = parameters
        return {"type": "function", "function": function}

    one = st.builds(tool, function_names(), st.none() | texts(), st.none() | parameter_schemas())
    return st.lists(one, min_size=1, max_size=3, unique_by=lambda t: t["function"]["name"])


def tool_choices(listed: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    names = [tool["function"]["name"] for tool in listed]
    named = st.sampled_from(names).map(lambda n: {"type": "function", "function": {"name": n}})
    return st.one_of(st.sampled_from(field("tool_choice")["oneOf"][0]["enum"]), named)


@cache
def stops() -> st.SearchStrategy[Any]:
    shapes = field("stop")["oneOf"]
    array = shapes[1]
    sequence = strings(min_size=1, max_size=8)
    return st.one_of(
        sequence,
        st.lists(sequence, min_size=array["minItems"], max_size=array["maxItems"]),
        st.none(),
    )


@st.composite
def conversations(draw: st.DrawFn, json_mode: bool) -> list[dict[str, Any]]:
    """An optional system turn, user/assistant turns, maybe a tool round, then a user turn.

    Every tool call an assistant turn makes is answered by a tool turn right after it, as
    OpenAI requires; names are added to some turns.
    """
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(contents())})
    for turn in range(draw(st.integers(0, MAX_MESSAGES // 2))):
        messages.append({"role": "user", "content": draw(contents())})
        if _one_in(draw, 4):
            calls = draw(st.lists(function_names(), min_size=1, max_size=2))
            ids = [f"call_{turn}_{number}" for number in range(len(calls))]
            messages.append(
                {
                    "role": "assistant",
                    "content": draw(st.none() | texts()),
                    "tool_calls": [
                        {"id": i, "type": "function", "function": {"name": n, "arguments": "{}"}}
                        for i, n in zip(ids, calls, strict=True)
                    ],
                }
            )
            messages.extend(
                {"role": "tool", "tool_call_id": i, "content": draw(contents())} for i in ids
            )
        else:
            messages.append({"role": "assistant", "content": draw(contents())})
    question = {"role": "user", "content": draw(contents())}
    if _one_in(draw, 5):
        question["name"] = draw(PROPERTY_NAMES)
    messages.append(question)
    if json_mode:  # OpenAI: JSON mode needs the word "JSON" in the messages
        messages.append({"role": "user", "content": "Answer as a JSON object."})
    return messages


def _one_in(draw: st.DrawFn, chances: int) -> bool:
    """True about once in ``chances`` draws, False the simpler value a shrink moves towards.

    Hypothesis draws the simplest value of a choice far more often than its share (about 40%
    of draws in a body this size), so "one in N" is a choice among N whose simplest value is
    False, taken once or twice.
    """
    once = draw(st.integers(0, 2)) != 0
    return once if chances <= 2 else once and draw(st.integers(0, chances // 2)) != 0


def _models(target: Target) -> list[str]:
    """The default model, and routify-auto where the target has it and requires Routify."""
    models = [target.models["default"]]
    if target.strict_routify and target.model("auto"):
        models.append(target.models["auto"])
    return models


@st.composite
def valid_bodies(draw: st.DrawFn, target: Target) -> Body:
    """A request every conforming server answers 2xx (and the request schema accepts)."""
    response_format = draw(st.integers(0, 11))  # 10: JSON mode, 11: "text", else none
    json_mode = response_format == 10
    body: Body = {
        "model": draw(st.sampled_from(_models(target))),
        "messages": draw(conversations(json_mode)),
    }
    if draw(st.integers(0, 9)):  # mostly capped, so a real model answers in seconds
        body["max_tokens"] = draw(st.integers(field("max_tokens")["minimum"], MAX_TOKENS_DRAWN))
    for name in ("temperature", "top_p"):
        if draw(st.booleans()):
            body[name] = draw(_bounded_number(field(name)))
    stream = draw(st.integers(0, 2))  # absent, false, true
    if stream:
        body["stream"] = stream == 2
        if body["stream"] and draw(st.booleans()):
            body["stream_options"] = {"include_usage": draw(st.booleans())}
    if _one_in(draw, 4):
        body["stop"] = draw(stops())
    if _one_in(draw, 4):
        listed = draw(tools())
        body["tools"] = listed
        if draw(st.booleans()):
            body["tool_choice"] = draw(tool_choices(listed))
    if json_mode:
        body["response_format"] = {"type": "json_object"}
    elif response_format == 11:
        body["response_format"] = {"type": "text"}
    if target.strict_routify and _one_in(draw, 5):
        options = field("routify")["properties"]
        body["routify"] = draw(
            st.fixed_dictionaries({}, optional={name: texts() for name in options})
        )
    return body
