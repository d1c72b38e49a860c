"""Deterministic completions: the same request always gets the same answer.

The text is drawn from a PRNG seeded with a hash of the concrete model and the messages, so
``stream``, ``max_tokens`` and ``stop`` do not change what the model "would say": a capped or
stopped answer is a prefix of the uncapped one, which is what lets a test pick a stop sequence
from one answer and see it honoured in the next. Tools and JSON mode change the seed.

vLLM's extensions ``ignore_eos: true`` (generate up to ``max_tokens``) and ``min_tokens`` are
honoured for text answers: the answer goes on past its natural end, so a load test can ask for
an exact output length.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any, Final

import orjson

from routify_suite.server.tokenizer import count_tokens, tokenize
from routify_suite.server.toolargs import build_arguments

# About 20-60 tokens a reply: words plus the punctuation between them.
MIN_WORDS: Final = 18
MAX_WORDS: Final = 50
_VOCABULARY_TEXT: Final = (
    "the river city light north market quiet answer model route channel signal bright "
    "harbor garden stone paper window morning evening simple clear careful steady open "
    "library bridge mountain valley summer winter letter number table music history "
    "science travel network latency token stream balance ledger gateway request reply "
    "concise helpful direct honest useful practical gentle rapid patient modern ancient "
    "is are was can will may should often always rarely seems becomes remains follows"
)
_VOCABULARY: Final = tuple(_VOCABULARY_TEXT.split())


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, slots=True)
class Completion:
    """What the model answers: content tokens or one tool call, and why it ended."""

    tokens: tuple[str, ...]
    """Content split into tokens (one streaming delta each); empty for a tool call."""
    finish_reason: str
    completion_tokens: int
    tool_call: ToolCall | None = None

    @property
    def content(self) -> str | None:
        return None if self.tool_call is not None else "".join(self.tokens)


def _seed(model: str, request: dict[str, Any], mode: str) -> random.Random:
    material = orjson.dumps(
        [model, mode, request["messages"], request.get("tools")], option=orjson.OPT_SORT_KEYS
    )
    return random.Random(int.from_bytes(hashlib.blake2b(material, digest_size=8).digest()))


def _sentences(rng: random.Random, length: int) -> str:
    words: list[str] = []
    sentence_start = True
    while len(words) < length:
        word = rng.choice(_VOCABULARY)
        words.append(word.capitalize() if sentence_start else word)
        sentence_start = False
        if len(words) >= 4 and rng.random() < 0.12:
            words[-1] += "."
            sentence_start = True
        elif rng.random() < 0.06:
            words[-1] += ","
    text = " ".join(words).rstrip(",")
    return text if text.endswith(".") else text + "."


def _chosen_tool(request: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    """The function to call, or None for a text answer (OpenAI's tool_choice semantics)."""
    tools = request.get("tools")
    choice = request.get("tool_choice", "auto")
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        wanted = choice["function"]["name"]
        return next(tool["function"] for tool in tools if tool["function"]["name"] == wanted)
    last_role = request["messages"][-1].get("role")
    if choice == "auto" and last_role == "tool":
        return None  # the tool has answered: the model replies in text
    return tools[rng.randrange(len(tools))]["function"]


def _int_option(request: dict[str, Any], name: str) -> int:
    """A non-negative integer extension field (``min_tokens``); anything else counts as 0."""
    value = request.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def _wanted_length(request: dict[str, Any]) -> int:
    """The fewest tokens vLLM's extensions ask for: ``max_tokens`` under ``ignore_eos: true``,
    else ``min_tokens``; 0 when neither is sent (the natural end stands)."""
    cap = request.get("max_tokens")
    if request.get("ignore_eos") is True and isinstance(cap, int):
        return cap
    minimum = _int_option(request, "min_tokens")
    return min(minimum, cap) if isinstance(cap, int) else minimum


def _extend(rng: random.Random, tokens: list[str], wanted: int) -> list[str]:
    """Keep talking past the natural end until ``wanted`` tokens: the shorter answer stays a
    prefix of the longer one, as with ``max_tokens``."""
    while len(tokens) < wanted:
        tokens += tokenize(" " + _sentences(rng, min(MAX_WORDS, wanted - len(tokens) + 1)))
    return tokens


def _apply_limits(tokens: list[str], natural_end: str, request: dict[str, Any]) -> Completion:
    """Cut at the first stop sequence within the first max_tokens tokens, else at the cap."""
    cap = request.get("max_tokens")
    capped = tokens if cap is None else tokens[:cap]
    text = "".join(capped)
    stops = request.get("stop")
    if isinstance(stops, str):
        stops = [stops]
    cut = min((i for i in (text.find(s) for s in stops or ()) if i >= 0), default=-1)
    if cut >= 0:
        kept = tokenize(text[:cut])
        return Completion(tuple(kept), "stop", len(kept))
    reason = "length" if len(capped) < len(tokens) else natural_end
    return Completion(tuple(capped), reason, len(capped))


def generate(model: str, request: dict[str, Any]) -> Completion:
    """The completion for a validated request answered by the concrete ``model``."""
    json_mode = (request.get("response_format") or {}).get("type") == "json_object"
    rng = _seed(model, request, "json" if json_mode else "text")
    function = _chosen_tool(request, rng)
    if function is not None:
        arguments = orjson.dumps(build_arguments(function.get("parameters"), rng)).decode()
        call = ToolCall(f"call_{rng.getrandbits(96):024x}", function["name"], arguments)
        name_tokens = count_tokens(call.name)
        cap = request.get("max_tokens")
        if cap is not None and name_tokens + count_tokens(arguments) > cap:
            kept = tokenize(arguments)[: max(0, cap - name_tokens)]
            call = ToolCall(call.id, call.name, "".join(kept))
            return Completion((), "length", name_tokens + len(kept), call)
        return Completion((), "tool_calls", name_tokens + count_tokens(arguments), call)
    text = _sentences(rng, rng.randint(MIN_WORDS, MAX_WORDS))
    if json_mode:
        text = orjson.dumps({"answer": text, "model": model}).decode()
    tokens = tokenize(text)
    wanted = _wanted_length(request)
    if wanted > len(tokens) and not json_mode:
        tokens = _extend(rng, tokens, wanted)
    return _apply_limits(tokens, "stop", request)
