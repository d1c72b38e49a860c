"""The check table: every stable check id, its level, the rule it quotes, and who emits it.

Check ids are part of the suite's interface (results.json, the mutation self-test, the README's
"what it catches" matrix), so each is written once, here, as one :class:`Check` record. Ids are
always written out in full where they are emitted (never concatenated), so a search finds them.
Rules quote the Routify Chat Completions page (restated in docs/routify-api.md) or say "OpenAI
compatibility" where the page relies on "OpenAI-compatible. Drop-in replacement for
api.openai.com".

Levels (docs/verdicts.md explains the policy):

- ``MUST``: the Routify page says it. A breach fails.
- ``SHOULD``: OpenAI's documented contract, which the page takes on by "Drop-in replacement for
  api.openai.com". A breach fails where a client acts on it (a wrong value or type, a missing field
  that carries information, an id that changes); otherwise it is non-strict, and ``--strict`` fails
  it. Each finding says which (``Finding.impact``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["MUST", "SHOULD"]
MUST: Final[Level] = "MUST"
SHOULD: Final[Level] = "SHOULD"
LEVELS: Final = (MUST, SHOULD)

OPENAI = "OpenAI compatibility (spec: 'OpenAI-compatible. Drop-in replacement for api.openai.com')"

_CHECKS = "routify_suite.conformance.checks"
_SUITE = "routify_suite.conformance"


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its id, level, the rule it quotes, and the function that emits its findings."""

    id: str
    level: Level
    rule: str
    emitted_by: str
    """Dotted path of the function whose source writes the id (a test holds it to that)."""

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "rule": self.rule}


_TABLE: Final = (
    # Transport: the exchange itself.
    Check(
        "transport.connect",
        MUST,
        "Spec, Request: POST /v1/chat/completions must be reachable",
        f"{_SUITE}.client._failure_of",
    ),
    Check(
        "transport.timeout",
        MUST,
        "Spec, Request: a request is answered (within the request timeout)",
        f"{_SUITE}.client._failure_of",
    ),
    Check(
        "transport.protocol",
        MUST,
        "Spec, Request: an HTTP answer; RFC 9112: valid HTTP/1.1 framing",
        f"{_SUITE}.client._failure_of",
    ),
    # Non-streaming responses.
    Check(
        "response.status",
        MUST,
        "Spec, Response: a valid request is answered 200 with the response JSON",
        f"{_CHECKS}.response.document",
    ),
    Check(
        "response.content-type",
        SHOULD,
        f"Spec, Response: a JSON body; {OPENAI}: Content-Type application/json",
        f"{_CHECKS}.response.check_content_type",
    ),
    Check(
        "response.json",
        MUST,
        "Spec, Response: the body is a JSON object",
        f"{_CHECKS}.response.document",
    ),
    Check(
        "response.schema",
        MUST,
        "Spec, Response: the response shape (schemas/chat-completion-response.json)",
        f"{_CHECKS}.response.check_schema",
    ),
    Check(
        "response.routify",
        MUST,
        "Spec, Response: every response carries routify {channel, latency_ms, cost_usd}",
        f"{_CHECKS}.response.check_routify",
    ),
    Check(
        "response.routify-numbers",
        MUST,
        'Spec, Response: "latency_ms": 187, "cost_usd": 0.0000028 — a latency no longer than '
        "the exchange, a finite, small price",
        f"{_CHECKS}.response.check_routify_numbers",
    ),
    Check(
        "response.usage-sum",
        MUST,
        "Spec, Response: usage {prompt_tokens: 14, completion_tokens: 2, total_tokens: 16}: "
        "total = prompt + completion",
        f"{_CHECKS}.response.check_usage_sum",
    ),
    Check(
        "response.created",
        MUST,
        'Spec, Response: "created": 1747836000, Unix seconds of the completion, so near now',
        f"{_CHECKS}.response.check_created",
    ),
    Check(
        "response.choice-index",
        MUST,
        'Spec, Response: choices[{"index": 0, ...}]: indexes 0..n-1, each once',
        f"{_CHECKS}.response.check_choice_index",
    ),
    Check(
        "response.request-id",
        MUST,
        'Spec, Response: "id": "chatcmpl-xxx"; a non-empty request id '
        "(body id or x-request-id header)",
        f"{_CHECKS}.response.check_request_id",
    ),
    Check(
        "response.finish-reason",
        SHOULD,
        f'Spec, Response: "finish_reason": "stop"; {OPENAI}: "tool_calls" only with tool_calls, '
        '"length" at max_tokens or where the context window ends',
        f"{_CHECKS}.response.finish_consistency",
    ),
    # Streaming.
    Check(
        "stream.status",
        MUST,
        "Spec, Streaming: a valid stream: true request is answered 200 with SSE",
        f"{_CHECKS}.stream.precondition",
    ),
    Check(
        "stream.content-type",
        MUST,
        "Spec, Streaming: 'Set stream: true. Each line is data: <json> SSE' — "
        "Content-Type text/event-stream",
        f"{_CHECKS}.stream.check_content_type",
    ),
    Check(
        "stream.sse",
        MUST,
        "Spec, Streaming: SSE; WHATWG HTML, server-sent events: the text/event-stream format",
        f"{_CHECKS}.stream.check_sse",
    ),
    Check(
        "stream.json",
        MUST,
        "Spec, Streaming: 'Each line is data: <json>': every event but [DONE] is JSON",
        f"{_CHECKS}.stream.check_json",
    ),
    Check(
        "stream.chunk-schema",
        SHOULD,
        f"{OPENAI}: every event is a chat.completion.chunk (schemas/chat-completion-chunk.json); "
        "the page's example chunks are abbreviated",
        f"{_CHECKS}.stream.check_chunk_schema",
    ),
    Check(
        "stream.routify",
        MUST,
        "Spec, Response: every response carries routify: at least one chunk of a stream carries "
        "a valid routify block",
        f"{_CHECKS}.stream.check_routify",
    ),
    Check(
        "stream.consistent",
        SHOULD,
        f"{OPENAI}: one id, model and created across the chunks of a stream",
        f"{_CHECKS}.stream.check_consistent",
    ),
    Check(
        "stream.finish-reason",
        SHOULD,
        f"{OPENAI}: each choice ends with exactly one non-null finish_reason, and nothing "
        "follows it",
        f"{_CHECKS}.stream.check_finish_reason",
    ),
    Check(
        "stream.role",
        SHOULD,
        f'{OPENAI}: the first delta of each choice carries role "assistant"',
        f"{_CHECKS}.stream.check_role",
    ),
    Check(
        "stream.usage",
        SHOULD,
        f"{OPENAI}: with stream_options.include_usage a final chunk carries usage (choices []), "
        "total = prompt + completion",
        f"{_CHECKS}.stream.check_usage",
    ),
    Check(
        "stream.done-present",
        MUST,
        "Spec, Streaming: the stream ends with data: [DONE]",
        f"{_CHECKS}.stream.check_done_present",
    ),
    Check(
        "stream.done-last",
        MUST,
        "Spec, Streaming: data: [DONE] is the last event; nothing follows it",
        f"{_CHECKS}.stream.check_done_last",
    ),
    Check(
        "stream.idle-timeout",
        MUST,
        "Spec, Streaming: the stream reaches data: [DONE]; one that stalls longer than "
        "--stream-idle-timeout never does",
        f"{_SUITE}.client.stream_failure",
    ),
    Check(
        "stream.cut",
        MUST,
        "Spec, Streaming: the stream is not cut off before data: [DONE]",
        f"{_SUITE}.client.stream_failure",
    ),
    Check(
        "stream.deadline",
        MUST,
        "Spec, Streaming: the stream reaches data: [DONE] within the stream deadline",
        f"{_SUITE}.client.stream_failure",
    ),
    # Errors.
    Check(
        "error.status",
        MUST,
        "Spec, Errors: 400 invalid body, 401 missing/invalid key, 402 insufficient balance, "
        "403 suspended/tier, 429 rate limit, 500 internal, 502 upstream, 503 maintenance",
        f"{_CHECKS}.errors.status_findings",
    ),
    Check(
        "error.envelope",
        SHOULD,
        f'Spec, Errors (codes, no body); {OPENAI}: the body is {{"error": {{"message", "type", '
        '"param", "code"}} (schemas/error.json)',
        f"{_CHECKS}.errors.envelope_findings",
    ),
    Check(
        "error.content-type",
        SHOULD,
        f"{OPENAI}: an error body is JSON, Content-Type application/json",
        f"{_CHECKS}.errors.envelope_findings",
    ),
    Check(
        "error.retry-after",
        SHOULD,
        "Spec, Errors: 429 Rate limit; RFC 9110 §10.2.3: Retry-After says when to retry "
        "(absent: non-strict)",
        f"{_CHECKS}.errors.retry_after_findings",
    ),
    # Parameters: accepted, rejected, honoured.
    Check(
        "params.accepted",
        MUST,
        "Spec, Parameters: each documented parameter is accepted at its valid values and "
        "boundaries",
        f"{_SUITE}.test_params.test_accepted",
    ),
    Check(
        "params.rejected",
        MUST,
        "Spec, Errors: 400 Invalid request body — for a body that is not a JSON object, lacks a "
        "required parameter, or has a value of the wrong type or outside the Parameters table",
        f"{_SUITE}.test_params.rejection",
    ),
    Check(
        "params.rejected-openai",
        SHOULD,
        f"{OPENAI}: OpenAI answers 400 for this body; the page is silent on it, so accepting it "
        "is non-strict",
        f"{_SUITE}.test_params.rejection",
    ),
    Check(
        "params.server-error",
        MUST,
        'Spec, Errors: 500 "Internal error"; a body the server rejects is "400 Invalid request '
        "body\" — a body the suite sends (valid, invalid by the page, or invalid only by OpenAI's "
        "contract) is answered 2xx or 400, never 500, 502 or 503",
        f"{_CHECKS}.errors.server_error_findings",
    ),
    Check(
        "params.max-tokens",
        MUST,
        'Spec, Parameters: max_tokens | int | Hard cap on completion (finish_reason "length" '
        "when it cuts)",
        f"{_CHECKS}.params.max_tokens_findings",
    ),
    Check(
        "params.stop",
        MUST,
        "Spec, Parameters: stop | string | array | null | Stop sequences: the text ends before "
        "the sequence",
        f"{_CHECKS}.params.stop_findings",
    ),
    Check(
        "params.tools",
        MUST,
        "Spec, Parameters: tools | Function calling; tool_choice | Force a specific tool: "
        "tool_calls whose arguments are JSON fitting the tool's parameters",
        f"{_CHECKS}.params.tools_findings",
    ),
    Check(
        "params.json-mode",
        MUST,
        'Spec, Parameters: response_format {"type": "json_object"} for JSON mode: the content '
        "is a JSON object",
        f"{_CHECKS}.params.json_mode_findings",
    ),
    Check(
        "params.auto-model",
        MUST,
        'Spec, Parameters: model ... or routify-auto; Response: "model" names the concrete '
        "model that answered",
        f"{_CHECKS}.params.auto_model_findings",
    ),
    Check(
        "params.model-tier",
        MUST,
        "Spec, Errors: 403 model not allowed for tier — the same key is served with an allowed "
        "model",
        f"{_SUITE}.test_errors.test_restricted_tier_key_served_with_allowed_model",
    ),
    # Run-wide.
    Check(
        "concurrency.unique-ids",
        SHOULD,
        f"{OPENAI}: every completion has its own id, also under concurrency",
        f"{_SUITE}.test_concurrency.unique_id_findings",
    ),
    Check(
        "concurrency.cut-by-other-requests",
        MUST,
        "Spec, Streaming: the stream is not cut off before data: [DONE]; Spec, Request: an HTTP "
        "answer — whatever else is in flight (each exchange that failed among other requests was "
        "answered in full when sent again alone)",
        f"{_SUITE}.test_concurrency.cut_by_others_findings",
    ),
    Check(
        "snapshot.shape",
        SHOULD,
        "The normalized shape of each kind of response matches the recorded one (drift between "
        "releases; non-strict)",
        f"{_SUITE}.test_snapshots._compare",
    ),
)

CHECKS: Final[dict[str, Check]] = {check.id: check for check in _TABLE}


def check_of(check: str) -> Check:
    """The record of a known check id; an unknown id is a bug in the suite, so it raises."""
    return CHECKS[check]


def rule_of(check: str) -> str:
    return CHECKS[check].rule


def level_of(check: str) -> Level:
    return CHECKS[check].level


def checks_table() -> dict[str, dict[str, str]]:
    """{id: {level, rule}}: the top-level "checks" of results.json."""
    return {check.id: check.as_dict() for check in _TABLE}
