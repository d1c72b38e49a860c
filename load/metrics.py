"""What one request measured: TTFT, inter-token gaps, end-to-end time, tokens, channel and cost.

Pure functions and small objects with no Locust or gevent import, so the maths can be tested on
recorded streams. Times are ``time.perf_counter()`` readings in seconds taken when bytes arrived
(before any JSON parsing); the :class:`StreamObserver` gets them from the transport with each chunk
and hands them to :class:`routify_suite.sse.SSEParser`, which stamps every event with the arrival
time of the bytes that completed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson

from routify_suite.sse import DONE, SSEParser

Kind = Literal["chat", "stream"]
TokenSource = Literal["usage", "deltas", "tokenizer"]

REASONING_FIELDS: Final = ("reasoning_content", "reasoning")
"""Delta fields that carry reasoning text (DeepSeek / OpenRouter style); they count as tokens."""


@dataclass(frozen=True, slots=True)
class RequestResult:
    """One request's outcome. A failed request is one result with ``ok`` False and one reason."""

    kind: Kind
    status: int
    """HTTP status; 0 when no response arrived (connection refused, timeout before headers)."""
    ok: bool
    started_at: float
    e2e_s: float
    error: str | None = None
    """A short, low-cardinality reason (``HTTP 429``, ``stream: no [DONE]``); None when ok."""
    ttft_s: float | None = None
    itl_s: tuple[float, ...] = ()
    output_tokens: int | None = None
    token_source: TokenSource | None = None
    channel: str | None = None
    cost_usd: float | None = None
    intended_at: float | None = None
    """When an arrival-rate schedule wanted this request sent (coordinated omission)."""
    prompt_tokens: int | None = None
    """The server's ``usage.prompt_tokens``."""
    input_tokens: int | None = None
    """The prompt as the workload's tokenizer counts it (message contents)."""
    turn: int | None = None
    """The request's turn in its multi-turn session (1 for the first)."""
    text: str | None = None
    """The reply's text, kept only when asked (multi-turn history, token recount)."""
    max_tokens: int | None = None
    """What the request asked for; with the SLO's per-request bounds this decides goodput."""
    reconnects: int = 0
    """1 when the server had closed the reused connection and the request went again (its time
    is inside ``e2e_s``); not a failure."""
    response_id: str | None = None
    """The server's ``id`` for the completion (the first one a stream carried)."""

    @property
    def schedule_lag_s(self) -> float | None:
        """How late the request left against its schedule; None without a schedule."""
        if self.intended_at is None:
            return None
        return max(0.0, self.started_at - self.intended_at)

    @property
    def tokens_per_s(self) -> float | None:
        """Output tokens over the whole request time (this request's own throughput)."""
        if not self.output_tokens or self.e2e_s <= 0:
            return None
        return self.output_tokens / self.e2e_s


def token_pieces(chunk: dict[str, Any]) -> int:
    """How many choices in this chunk carry output: content, tool calls or reasoning text.

    A role-only delta (``{"role": "assistant"}`` or ``"content": ""``) carries nothing, so it
    neither ends TTFT nor counts as a token.
    """
    pieces = 0
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if not isinstance(delta, dict):
            continue
        if (
            _non_empty_text(delta.get("content"))
            or delta.get("tool_calls")
            or any(_non_empty_text(delta.get(name)) for name in REASONING_FIELDS)
        ):
            pieces += 1
    return pieces


def _non_empty_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _routify(document: dict[str, Any]) -> tuple[str | None, float | None]:
    block = document.get("routify")
    if not isinstance(block, dict):
        return None, None
    channel = block.get("channel")
    cost = block.get("cost_usd")
    return (
        channel if isinstance(channel, str) and channel else None,
        float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
    )


def _usage_count(document: dict[str, Any], name: str) -> int | None:
    usage = document.get("usage")
    if isinstance(usage, dict):
        tokens = usage.get(name)
        if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
            return tokens
    return None


def _completion_tokens(document: dict[str, Any]) -> int | None:
    return _usage_count(document, "completion_tokens")


def _content_text(document: dict[str, Any], part: str) -> str:
    """The content text of the first choice's ``part`` ("delta" in a chunk, "message" in a
    response); "" when it carries none."""
    for choice in document.get("choices") or ():
        holder = choice.get(part) if isinstance(choice, dict) else None
        if isinstance(holder, dict) and isinstance(holder.get("content"), str):
            return holder["content"]
    return ""


def _response_id(document: dict[str, Any]) -> str | None:
    value = document.get("id")
    return value if isinstance(value, str) and value else None


def _error_reason(status: int) -> str:
    return f"HTTP {status}"


@dataclass(slots=True)
class StreamObserver:
    """Follows one SSE response as its bytes arrive and turns it into a :class:`RequestResult`."""

    started_at: float
    intended_at: float | None = None
    parser: SSEParser = field(default_factory=SSEParser)
    first_token_at: float | None = None
    last_token_at: float | None = None
    gaps: list[float] = field(default_factory=list)
    delta_tokens: int = 0
    usage_tokens: int | None = None
    channel: str | None = None
    cost_usd: float | None = None
    done: bool = False
    problem: str | None = None
    prompt_tokens: int | None = None
    keep_text: bool = False
    texts: list[str] = field(default_factory=list)
    response_id: str | None = None

    def feed(self, chunk: bytes, at: float) -> None:
        """Take bytes that arrived at clock reading ``at``."""
        for event in self.parser.feed(chunk, at):
            self._event(event.data, event.received_at)

    def _event(self, data: str, at: float) -> None:
        if self.done:
            self.problem = self.problem or "stream: data after [DONE]"
            return
        if data == DONE:
            self.done = True
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self.problem = self.problem or "stream: invalid JSON event"
            return
        if not isinstance(chunk, dict):
            self.problem = self.problem or "stream: event is not a JSON object"
            return
        if "error" in chunk:
            self.problem = self.problem or "stream: error event"
        if self.response_id is None:
            self.response_id = _response_id(chunk)
        pieces = token_pieces(chunk)
        if pieces:
            if self.first_token_at is None:
                self.first_token_at = at
            else:
                self.gaps.append(at - self.last_token_at)  # type: ignore[operator]
            self.last_token_at = at
            self.delta_tokens += pieces
            if self.keep_text:
                self.texts.append(_content_text(chunk, "delta"))
        if "usage" in chunk:
            tokens = _completion_tokens(chunk)
            if tokens is not None:
                self.usage_tokens = tokens
            prompt = _usage_count(chunk, "prompt_tokens")
            if prompt is not None:
                self.prompt_tokens = prompt
        if "routify" in chunk:  # usually only the last chunks carry it
            channel, cost = _routify(chunk)
            self.channel = channel or self.channel
            self.cost_usd = cost if cost is not None else self.cost_usd

    def finish(
        self, at: float, status: int = 200, transport_error: str | None = None
    ) -> RequestResult:
        """Close the stream at clock reading ``at``; a cut or broken stream is one failure."""
        self.parser.close()
        error = transport_error or self.problem
        if error is None and not self.done:
            error = "stream: no [DONE]"
        if error is None and self.parser.violations:
            error = "stream: malformed SSE"
        if self.usage_tokens is not None:
            tokens, source = self.usage_tokens, "usage"
        else:
            tokens, source = self.delta_tokens, "deltas"
        return RequestResult(
            kind="stream",
            status=status,
            ok=error is None,
            started_at=self.started_at,
            e2e_s=at - self.started_at,
            error=error,
            ttft_s=None if self.first_token_at is None else self.first_token_at - self.started_at,
            itl_s=tuple(self.gaps),
            output_tokens=tokens,
            token_source=source,  # type: ignore[arg-type]
            channel=self.channel,
            cost_usd=self.cost_usd,
            intended_at=self.intended_at,
            prompt_tokens=self.prompt_tokens,
            text="".join(self.texts) if self.keep_text else None,
            response_id=self.response_id,
        )


def error_result(
    kind: Kind,
    status: int,
    body: bytes,
    started_at: float,
    finished_at: float,
    intended_at: float | None = None,
    reason: str | None = None,
) -> RequestResult:
    """A request that failed before any stream: an error status, or no response at all."""
    document = _json_object(body)
    channel, cost = _routify(document) if document else (None, None)
    return RequestResult(
        kind=kind,
        status=status,
        ok=False,
        started_at=started_at,
        e2e_s=finished_at - started_at,
        error=reason or _error_reason(status),
        channel=channel,
        cost_usd=cost,
        intended_at=intended_at,
    )


def measure_response(
    status: int,
    body: bytes,
    started_at: float,
    finished_at: float,
    intended_at: float | None = None,
    keep_text: bool = False,
) -> RequestResult:
    """Measure a non-streaming response: e2e, tokens from ``usage``, the routify block."""
    if status != 200:
        return error_result("chat", status, body, started_at, finished_at, intended_at)
    document = _json_object(body)
    if document is None:
        return error_result(
            "chat", status, body, started_at, finished_at, intended_at, "response: invalid JSON"
        )
    channel, cost = _routify(document)
    tokens = _completion_tokens(document)
    return RequestResult(
        kind="chat",
        status=status,
        ok=True,
        started_at=started_at,
        e2e_s=finished_at - started_at,
        output_tokens=tokens,
        token_source="usage" if tokens is not None else None,
        channel=channel,
        cost_usd=cost,
        intended_at=intended_at,
        prompt_tokens=_usage_count(document, "prompt_tokens"),
        text=_content_text(document, "message") if keep_text else None,
        response_id=_response_id(document),
    )


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None
