"""The check table: every stable check id, the spec rule it enforces, and what it looks at.

Check ids are part of the suite's interface (results.json, the mutation self-test, the README's
"what it catches" matrix), so they are named once, here. Rules quote the Routify Chat
Completions page (summarised in docs/routify-api.md) or say "OpenAI compatibility" where the page
relies on "OpenAI-compatible. Drop-in replacement for api.openai.com". Schema checks report the
rule of the violated schema constraint instead (its ``description``).
"""

from __future__ import annotations

from typing import Final

OPENAI = "OpenAI compatibility (spec: 'OpenAI-compatible. Drop-in replacement for api.openai.com')"

CHECKS: Final[dict[str, str]] = {
    # Transport: the exchange itself.
    "transport.connect": "Spec, Request: POST /v1/chat/completions must be reachable",
    "transport.timeout": "A response must arrive within the request timeout",
    "transport.protocol": "HTTP/1.1 framing must be valid",
    # Non-streaming responses.
    "response.status": "Spec, Response: a valid request is answered 200 with the response JSON",
    "response.content-type": f"Spec, Response: a JSON body; {OPENAI}: Content-Type "
    "application/json",
    "response.json": "Spec, Response: the body is a JSON object",
    "response.schema": "Spec, Response: the response shape (schemas/chat-completion-response.json)",
    "response.routify": "Spec, Response: every response carries routify {channel, latency_ms, "
    "cost_usd}",
    "response.routify-numbers": 'Spec, Response: "latency_ms": 187, "cost_usd": 0.0000028 — '
    "a latency no longer than the exchange, a finite, small price",
    "response.usage-sum": "Spec, Response: usage {prompt_tokens: 14, completion_tokens: 2, "
    "total_tokens: 16}: total = prompt + completion",
    "response.created": 'Spec, Response: "created": 1747836000, Unix seconds of the completion, '
    "so near now",
    "response.choice-index": 'Spec, Response: choices[{"index": 0, ...}]: indexes 0..n-1, '
    "each once",
    "response.request-id": 'Spec, Response: "id": "chatcmpl-xxx"; a non-empty request id '
    "(body id or x-request-id header)",
    "response.finish-reason": f'Spec, Response: "finish_reason": "stop"; {OPENAI}: '
    '"tool_calls" only with tool_calls, "length" only at max_tokens',
    # Streaming.
    "stream.status": "Spec, Streaming: a valid stream: true request is answered 200 with SSE",
    "stream.content-type": "Spec, Streaming: 'Set stream: true. Each line is data: <json> SSE' — "
    "Content-Type text/event-stream",
    "stream.sse": "WHATWG HTML, server-sent events: the text/event-stream format",
    "stream.json": "Spec, Streaming: 'Each line is data: <json>': every event but [DONE] is JSON",
    "stream.chunk-schema": "Spec, Streaming: every event is a chat.completion.chunk "
    "(schemas/chat-completion-chunk.json)",
    "stream.routify": "Spec, Response: every response carries routify: at least one chunk of a "
    "stream carries a valid routify block",
    "stream.consistent": f"{OPENAI}: one id, model and created across the chunks of a stream",
    "stream.finish-reason": f"{OPENAI}: each choice ends with exactly one non-null finish_reason, "
    "and nothing follows it",
    "stream.role": f'{OPENAI}: the first delta of each choice carries role "assistant"',
    "stream.usage": f"{OPENAI}: with stream_options.include_usage a final chunk carries usage "
    "(choices []), total = prompt + completion",
    "stream.done-present": "Spec, Streaming: the stream ends with data: [DONE]",
    "stream.done-last": "Spec, Streaming: data: [DONE] is the last event; nothing follows it",
    "stream.idle-timeout": "A stream that stalls longer than --stream-idle-timeout fails",
    "stream.cut": "Spec, Streaming: the stream is not cut off before data: [DONE]",
    "stream.deadline": "A stream must finish within the stream deadline",
    # Errors.
    "error.status": "Spec, Errors: 400 invalid body, 401 missing/invalid key, 402 insufficient "
    "balance, 403 suspended/tier, 429 rate limit, 500 internal, 502 upstream, 503 maintenance",
    "error.envelope": f"Spec, Errors; {OPENAI}: the body is "
    '{"error": {"message", "type", "param", "code"}} (schemas/error.json)',
    "error.content-type": f"{OPENAI}: an error body is JSON, Content-Type application/json",
    "error.retry-after": "Spec, Errors: 429 Rate limit; RFC 9110 §10.2.3: Retry-After says when "
    "to retry (absent: non-strict)",
    # Parameters: accepted, rejected, honoured.
    "params.accepted": "Spec, Parameters: each documented parameter is accepted at its valid "
    "values and boundaries",
    "params.rejected": "Spec, Errors: 400 Invalid request body — for a value outside the "
    "Parameters table or of the wrong type",
    "params.max-tokens": "Spec, Parameters: max_tokens | int | Hard cap on completion "
    '(finish_reason "length" when it cuts)',
    "params.stop": "Spec, Parameters: stop | string | array | null | Stop sequences: the text "
    "ends before the sequence",
    "params.tools": "Spec, Parameters: tools | Function calling; tool_choice | Force a specific "
    "tool: tool_calls whose arguments are JSON fitting the tool's parameters",
    "params.json-mode": 'Spec, Parameters: response_format {"type": "json_object"} for JSON '
    "mode: the content is a JSON object",
    "params.auto-model": 'Spec, Parameters: model ... or routify-auto; Response: "model" names '
    "the concrete model that answered",
    "params.model-tier": "Spec, Errors: 403 model not allowed for tier — the same key is served "
    "with an allowed model",
    # Run-wide.
    "concurrency.unique-ids": f"{OPENAI}: every completion has its own id, also under concurrency",
    "snapshot.shape": "The normalized shape of each kind of response matches the recorded one "
    "(drift between releases; non-strict)",
}


def rule_of(check: str) -> str:
    """The rule of a known check id; an unknown id is a bug in the suite, so it raises."""
    return CHECKS[check]
