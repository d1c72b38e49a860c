"""What the load users send: synthetic prompts of a token length, datasets, multi-turn sessions.

One module for every scenario and for plain ``locust -f`` runs (the options live in
``plugin.py``); no Locust import, so the CLI checks the options before starting a run.

- ``--input-tokens MEAN[,STDDEV]``: synthetic prompts of a length drawn from a normal
  distribution (clipped at 1), cut to that many tokens of an offline tokenizer (``bpe-openai``,
  which embeds ``cl100k_base`` and ``o200k_base``; tiktoken would download its tables).
- ``--output-tokens MEAN[,STDDEV]``: ``max_tokens`` drawn the same way; ``--ignore-eos`` adds
  vLLM's ``ignore_eos: true`` and ``min_tokens`` so the server cannot stop early.
- ``--dataset FILE``: JSON Lines of ``{"messages": [...], "max_tokens": N?}`` (one request a
  line) or ShareGPT conversations (``{"conversations": [{"from": "human", "value": ...}, ...]}``,
  as JSON Lines or one JSON array); a ShareGPT reply's length becomes ``max_tokens``, as vLLM's
  benchmark does.
- ``--turns N``: sessions of N requests that resend the growing history with the server's
  replies (what a prefix cache sees).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import orjson

from routify_suite.load.datasets import Conversation, DatasetError, read_dataset
from routify_suite.load.payload import DEFAULT_MAX_TOKENS, DEFAULT_MODEL, PROMPTS
from routify_suite.load.token_counting import (
    DEFAULT_ENCODING,
    ENCODINGS,
    Tokenizer,
    WorkloadError,
    check_tokenizer,
    content_text,
    tokenizer,
    tokenizer_name,
)

SYSTEM_PROMPT: Final = "You are concise."
FOLLOW_UP: Final = "Go on."
"""The next turn's question when a dataset conversation has no more of its own."""


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """``MEAN[,STDDEV]`` token counts: a normal distribution clipped at 1."""

    mean: float
    stddev: float = 0.0

    @classmethod
    def parse(cls, text: str, option: str) -> TokenSpec:
        parts = text.split(",")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) not in (1, 2) or numbers[0] < 1 or min(numbers) < 0:
            raise WorkloadError(
                f"{option}: {text!r} is not MEAN[,STDDEV] with MEAN >= 1 (e.g. 500,100)"
            )
        return cls(numbers[0], numbers[1] if len(numbers) == 2 else 0.0)

    def sample(self, rng: random.Random) -> int:
        value = rng.gauss(self.mean, self.stddev) if self.stddev else self.mean
        return max(1, round(value))

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "stddev": self.stddev}


@cache
def _shared_dataset(path: Path, tokenizer_: Tokenizer) -> tuple[Conversation, ...]:
    """A dataset read once per process, however many users share it."""
    try:
        return tuple(read_dataset(path, tokenizer_.count))
    except DatasetError as error:
        raise WorkloadError(str(error)) from None


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """The workload options, as parsed from the command line (also the run's description)."""

    input_tokens: TokenSpec | None = None
    output_tokens: TokenSpec | None = None
    dataset: Path | None = None
    turns: int = 1
    ignore_eos: bool = False
    max_tokens: int = DEFAULT_MAX_TOKENS
    encoding: str = DEFAULT_ENCODING

    @classmethod
    def from_options(cls, options: Any) -> WorkloadSpec:
        """From Locust's parsed options (or anything with the same attributes)."""

        def spec(name: str, flag: str) -> TokenSpec | None:
            text = getattr(options, name, "") or ""
            return TokenSpec.parse(text, flag) if text else None

        dataset = getattr(options, "dataset", "") or ""
        turns = getattr(options, "turns", 1)
        turns = 1 if turns is None else int(turns)
        if turns < 1:
            raise WorkloadError("--turns must be at least 1")
        return cls(
            input_tokens=spec("input_tokens", "--input-tokens"),
            output_tokens=spec("output_tokens", "--output-tokens"),
            dataset=Path(dataset) if dataset else None,
            turns=turns,
            ignore_eos=bool(getattr(options, "ignore_eos", False)),
            max_tokens=int(getattr(options, "max_tokens", DEFAULT_MAX_TOKENS)),
            encoding=getattr(options, "tokenizer", DEFAULT_ENCODING) or DEFAULT_ENCODING,
        )

    @property
    def uses_tokenizer(self) -> bool:
        """Synthetic prompts and datasets are sized and counted by the tokenizer; the default
        fixed prompts are not (loading it takes about a second, so only when needed)."""
        return self.input_tokens is not None or self.dataset is not None

    def describe(self) -> dict[str, Any]:
        """What the summary says was asked for (``requested`` blocks, tokenizer, dataset)."""
        return {
            "input_tokens": self.input_tokens.as_dict() if self.input_tokens else None,
            "output_tokens": self.output_tokens.as_dict() if self.output_tokens else None,
            "dataset": self.dataset.name if self.dataset else None,
            "turns": self.turns,
            "ignore_eos": self.ignore_eos,
            "tokenizer": tokenizer_name(self.encoding) if self.uses_tokenizer else None,
        }


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    body: bytes
    turn: int
    input_tokens: int | None
    """The prompt by the tokenizer; None when the workload uses none."""
    max_tokens: int


@dataclass(slots=True)
class Session:
    """One user's conversation: up to ``turns`` requests, each resending the history."""

    workload: Workload
    conversation: Conversation
    history: list[dict[str, Any]] = field(default_factory=list)
    turn: int = 0

    @property
    def done(self) -> bool:
        return self.turn >= self.workload.spec.turns

    def next_request(self, stream: bool, model: str) -> PlannedRequest:
        workload, conversation = self.workload, self.conversation
        index = self.turn
        self.turn += 1
        if index == 0:
            self.history = list(conversation.opening)
        else:
            self.history.append(
                {"role": "user", "content": workload.follow_up(conversation, index)}
            )
        dataset_cap = (
            conversation.max_tokens[index] if index < len(conversation.max_tokens) else None
        )
        max_tokens = workload.max_tokens(dataset_cap)
        body: dict[str, Any] = {
            "model": model,
            "messages": self.history,
            "max_tokens": max_tokens,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        if workload.spec.ignore_eos:
            body["ignore_eos"] = True  # vLLM's extensions: not in the Routify spec
            body["min_tokens"] = max_tokens
        counter = workload.tokenizer
        counted = counter.count_messages(self.history) if counter is not None else None
        return PlannedRequest(orjson.dumps(body), index + 1, counted, max_tokens)

    def add_reply(self, text: str | None) -> None:
        """The server's reply joins the history the next turn resends."""
        if not self.done:
            self.history.append({"role": "assistant", "content": text or ""})


class Workload:
    """Makes sessions for one user; every random draw comes from the user's own ``rng``."""

    def __init__(
        self, spec: WorkloadSpec, rng: random.Random, tokenizer_: Tokenizer | None = None
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.tokenizer = tokenizer_ or (tokenizer(spec.encoding) if spec.uses_tokenizer else None)
        self.conversations = (
            _shared_dataset(spec.dataset, self.tokenizer)
            if spec.dataset and self.tokenizer is not None
            else None
        )

    @property
    def keeps_history(self) -> bool:
        return self.spec.turns > 1

    def new_session(self) -> Session:
        return Session(self, self._conversation())

    def _conversation(self) -> Conversation:
        if self.conversations is not None:
            return self.rng.choice(self.conversations)
        if self.spec.input_tokens is not None:
            prompt = self.synthetic_prompt()
            return Conversation(({"role": "user", "content": prompt},))
        prompt = self.rng.choice(PROMPTS)
        return Conversation(
            ({"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt})
        )

    def synthetic_prompt(self) -> str:
        assert self.spec.input_tokens is not None
        assert self.tokenizer is not None
        return self.tokenizer.text_of_length(self.spec.input_tokens.sample(self.rng), self.rng)

    def follow_up(self, conversation: Conversation, turn: int) -> str:
        """The user's message for a later turn: the dataset's own, else a new one."""
        if turn - 1 < len(conversation.follow_ups):
            return conversation.follow_ups[turn - 1]
        if self.spec.input_tokens is not None:
            return self.synthetic_prompt()
        if self.conversations is not None:
            other = self.rng.choice(self.conversations).opening[-1].get("content")
            return content_text(other) or FOLLOW_UP
        return self.rng.choice(PROMPTS)

    def max_tokens(self, dataset_cap: int | None) -> int:
        if self.spec.output_tokens is not None:
            return self.spec.output_tokens.sample(self.rng)
        return dataset_cap or self.spec.max_tokens


GOODPUT_METRICS: Final = ("ttft_ms", "itl_ms", "tpot_ms", "e2e_ms")


def parse_goodput(text: str) -> dict[str, float]:
    """``ttft_ms=800,itl_ms=50`` -> per-request maxima in ms (empty text: no bound)."""
    bounds: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        try:
            limit = float(value)
        except ValueError:
            limit = -1.0
        if name not in GOODPUT_METRICS or limit < 0:
            raise WorkloadError(
                f"--goodput: {item!r} is not METRIC=MS with METRIC one of"
                f" {', '.join(GOODPUT_METRICS)}"
            )
        bounds[name] = limit
    return bounds


def check_workload(spec: WorkloadSpec) -> None:
    """Fail fast (one line) on what a Locust process would only find out at its first user."""
    check_tokenizer(spec.encoding, read=True)
    if spec.dataset is not None:
        try:
            read_dataset(spec.dataset, lambda text: max(1, len(text.split())))
        except DatasetError as error:
            raise WorkloadError(str(error)) from None


__all__ = [
    "DEFAULT_MODEL",
    "ENCODINGS",
    "Conversation",
    "PlannedRequest",
    "Session",
    "TokenSpec",
    "Tokenizer",
    "Workload",
    "WorkloadError",
    "WorkloadSpec",
    "check_workload",
    "parse_goodput",
    "tokenizer",
    "tokenizer_name",
]
