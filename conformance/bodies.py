"""Request bodies the cases send, built from the target's models.

One place for the prompts and the tool, so the snapshot kinds, the matrix kinds and the
parameter cases all mean the same thing by "a plain request".
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from routify_suite.paths import FIXTURES_DIR
from routify_suite.target import Target

PARAMETER_CASES: Final = FIXTURES_DIR / "requests" / "parameters.json"

SYSTEM: Final = {"role": "system", "content": "You are concise."}
QUESTION: Final = {"role": "user", "content": "Capital of France?"}
LONG_ANSWER: Final = {
    "role": "user",
    "content": "Describe, in several sentences, a walk through a river city at dawn.",
}
WEATHER_TOOL: Final = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 1},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def body(target: Target, **fields: Any) -> dict[str, Any]:
    """The spec's example request (model, messages), with ``fields`` added or replaced."""
    request: dict[str, Any] = {
        "model": target.models["default"],
        "messages": [copy.deepcopy(SYSTEM), copy.deepcopy(QUESTION)],
    }
    request.update(copy.deepcopy(fields))
    return request


def tool_body(target: Target, tool_choice: Any = "required", **fields: Any) -> dict[str, Any]:
    weather = {"role": "user", "content": "What is the weather in Kyoto?"}
    return body(target, messages=[weather], tools=[WEATHER_TOOL], tool_choice=tool_choice, **fields)


def json_mode_body(target: Target, **fields: Any) -> dict[str, Any]:
    ask = {"role": "user", "content": "Reply with a JSON object describing Paris."}
    return body(target, messages=[ask], response_format={"type": "json_object"}, **fields)


def stream_body(target: Target, **fields: Any) -> dict[str, Any]:
    return body(target, stream=True, **fields)


@dataclass(frozen=True, slots=True)
class ParameterCase:
    """One row of fixtures/requests/parameters.json: a change to the plain request."""

    id: str
    expect: str
    """"accept" (200) or "reject" (400)."""
    set: dict[str, Any]
    unset: tuple[str, ...] = ()
    raw: str | None = None
    """A body sent verbatim instead of JSON (for bodies that are not JSON on purpose)."""
    routify_only: bool = False
    openai_only: bool = False
    """A reject only OpenAI makes (the page is silent): accepting it is non-strict."""

    def missing(self, target: Target) -> str | None:
        """The models.NAME this case names and the target lacks, or None."""
        for value in self.set.values():
            if isinstance(value, str) and value.startswith("$models."):
                name = value.removeprefix("$models.")
                if not target.model(name):
                    return f"models.{name}"
        return None

    def build(self, target: Target) -> dict[str, Any] | bytes:
        if self.raw is not None:
            return self.raw.encode()
        request = body(target, max_tokens=16)
        for name in self.unset:
            request.pop(name, None)
        for name, value in self.set.items():
            request[name] = _resolve(value, target)
        return request


def _resolve(value: Any, target: Target) -> Any:
    """ "$models.NAME" placeholders become the target's model of that name."""
    if isinstance(value, str) and value.startswith("$models."):
        return target.models.get(value.removeprefix("$models."), "")
    return value


@cache
def parameter_cases() -> tuple[ParameterCase, ...]:
    """Every row, sorted by id (stable, readable case ids)."""
    rows = json.loads(PARAMETER_CASES.read_text(encoding="utf-8"))
    cases = [
        ParameterCase(
            id=row["id"],
            expect=row["expect"],
            set=row.get("set", {}),
            unset=tuple(row.get("unset", ())),
            raw=row.get("raw"),
            routify_only=row.get("routify_only", False),
            openai_only=row.get("openai_only", False),
        )
        for row in rows
    ]
    return tuple(sorted(cases, key=lambda case: case.id))
