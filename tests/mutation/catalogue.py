"""The deviations a conforming server never shows, and the legal variations it may show.

Each deviation names the check ids of which at least one must fail; each variation must pass the
cases it runs against. ``select`` keeps each run to the relevant cases (a pytest ``-k``
expression over the conformance suite's case ids).
"""

from __future__ import annotations

from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation
from tests.mutation.framing import Framing

# Case selections over the conformance suite's ids.
STREAMS = "stream and not concurrency"
RESPONSES = "response"
ERRORS = "error"
AUTH = "401"
MAX_TOKENS = "max_tokens"
STOP = "stop"
JSON_MODE = "json"
TOOLS = "tool"
REJECTED = "rejected"
AUTO = "auto"
USAGE_STREAM = "stream and usage"


def deviation(name: str, area: str, summary: str, select: str, caught_by: tuple[str, ...], **hooks):  # type: ignore[no-untyped-def]
    return Deviation(name, "deviation", area, summary, select, caught_by, **hooks)


def variation(name: str, area: str, summary: str, **hooks):  # type: ignore[no-untyped-def]
    """A legal variation runs the whole suite: it must pass every case, not just related ones."""
    return Deviation(name, "variation", area, summary, "", (), **hooks)


SSE_SCHEMA = ("stream.chunk-schema",)

DEVIATIONS: tuple[Deviation, ...] = (
    # SSE framing
    deviation(
        "done-missing",
        "sse",
        "no data: [DONE] at the end",
        STREAMS,
        ("stream.done-present",),
        events=t.drop_done,
    ),
    deviation(
        "done-repeated",
        "sse",
        "data: [DONE] sent twice",
        STREAMS,
        ("stream.done-last",),
        events=t.double_done,
    ),
    deviation(
        "event-after-done",
        "sse",
        "a chunk after data: [DONE]",
        STREAMS,
        ("stream.done-last",),
        events=t.event_after_done,
    ),
    deviation(
        "broken-json-event",
        "sse",
        "one event's JSON cut short",
        STREAMS,
        ("stream.json",),
        events=t.broken_json,
    ),
    deviation(
        "stream-content-type-json",
        "sse",
        "a stream served as application/json",
        STREAMS,
        ("stream.content-type",),
        stream_headers=t.set_header("content-type", "application/json"),
    ),
    deviation(
        "stream-content-type-plain",
        "sse",
        "a stream served as text/plain",
        STREAMS,
        ("stream.content-type",),
        stream_headers=t.set_header("content-type", "text/plain"),
    ),
    deviation(
        "id-changes",
        "sse",
        "the chunk id changes mid-stream",
        STREAMS,
        ("stream.consistent",),
        events=t.on_chunks(t.change_id),
    ),
    deviation(
        "model-changes",
        "sse",
        "the chunk model changes mid-stream",
        STREAMS,
        ("stream.consistent",),
        events=t.on_chunks(t.change_model),
    ),
    deviation(
        "created-changes",
        "sse",
        "created changes mid-stream",
        STREAMS,
        ("stream.consistent",),
        events=t.on_chunks(t.change_created),
    ),
    deviation(
        "stream-stalls",
        "sse",
        "the stream stops sending after two events",
        "plain-stream",
        ("stream.idle-timeout",),
        stall_after=2,
    ),
    deviation(
        "stream-cut",
        "sse",
        "the connection drops mid-stream",
        STREAMS,
        ("stream.cut", "transport.protocol"),
        cut_after=2,
    ),
    deviation(
        "no-blank-lines",
        "sse",
        "events not separated by blank lines",
        STREAMS,
        ("stream.sse", "stream.json", "stream.done-present"),
        writes=t.no_blank_lines,
    ),
    deviation(
        "no-data-prefix",
        "sse",
        "raw JSON lines without data:",
        STREAMS,
        ("stream.sse", "stream.done-present"),
        writes=t.no_data_prefix,
    ),
    deviation(
        "last-event-unterminated",
        "sse",
        "data: [DONE] not closed by a blank line",
        STREAMS,
        ("stream.sse", "stream.done-present"),
        writes=t.unterminated_last,
    ),
    deviation(
        "invalid-utf8",
        "sse",
        "invalid UTF-8 bytes inside an event",
        STREAMS,
        ("stream.sse",),
        writes=t.invalid_utf8,
    ),
    deviation(
        "finish-reason-missing",
        "sse",
        "no chunk carries a finish_reason",
        STREAMS,
        ("stream.finish-reason",),
        events=t.on_chunks(t.no_finish_reason),
    ),
    deviation(
        "finish-reason-twice",
        "sse",
        "the finishing chunk sent twice",
        STREAMS,
        ("stream.finish-reason",),
        events=t.finish_twice,
    ),
    deviation(
        "chunk-object-wrong",
        "sse",
        "chunks say object chat.completion",
        STREAMS,
        SSE_SCHEMA,
        events=t.on_chunks(t.chunk_object),
    ),
    deviation(
        "delta-content-number",
        "sse",
        "a delta's content is a number",
        STREAMS,
        SSE_SCHEMA,
        events=t.on_chunks(t.delta_content_number),
    ),
    deviation(
        "usage-chunk-missing",
        "sse",
        "no usage chunk despite include_usage",
        USAGE_STREAM,
        ("stream.usage",),
        events=t.drop_usage_chunk,
    ),
    deviation(
        "usage-chunk-sum",
        "sse",
        "the usage chunk's total is off by 3",
        USAGE_STREAM,
        ("stream.usage",),
        events=t.on_chunks(t.usage_chunk_sum),
    ),
    # Response shape
    deviation(
        "id-missing",
        "shape",
        "the response has no id",
        RESPONSES,
        ("response.schema", "response.request-id"),
        reply=t.on_success(t.drop("id")),
    ),
    deviation(
        "object-wrong",
        "shape",
        "object is chat.completion.chunk",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put("chat.completion.chunk", "object")),
    ),
    deviation(
        "created-string",
        "shape",
        "created is a string",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put(str, "created")),
    ),
    deviation(
        "created-milliseconds",
        "shape",
        "created in milliseconds",
        RESPONSES,
        ("response.created",),
        reply=t.on_success(t.put(lambda v: v * 1000, "created")),
    ),
    deviation(
        "usage-sum-wrong",
        "shape",
        "total_tokens is not prompt + completion",
        RESPONSES,
        ("response.usage-sum",),
        reply=t.on_success(t.put(lambda v: v + 1, "usage", "total_tokens")),
    ),
    deviation(
        "usage-missing",
        "shape",
        "no usage object",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.drop("usage")),
    ),
    deviation(
        "usage-string",
        "shape",
        "total_tokens is a string",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put(str, "usage", "total_tokens")),
    ),
    deviation(
        "finish-reason-bad",
        "shape",
        'finish_reason is "done"',
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put("done", "choices", 0, "finish_reason")),
    ),
    deviation(
        "routify-missing",
        "shape",
        "no routify block",
        RESPONSES,
        ("response.schema", "response.routify"),
        reply=t.on_success(t.drop("routify")),
    ),
    deviation(
        "routify-cost-negative",
        "shape",
        "cost_usd below zero",
        RESPONSES,
        ("response.schema", "response.routify"),
        reply=t.on_success(t.put(-0.001, "routify", "cost_usd")),
    ),
    deviation(
        "routify-channel-empty",
        "shape",
        "an empty channel name",
        RESPONSES,
        ("response.schema", "response.routify"),
        reply=t.on_success(t.put("", "routify", "channel")),
    ),
    deviation(
        "routify-latency-string",
        "shape",
        "latency_ms is a string",
        RESPONSES,
        ("response.schema", "response.routify"),
        reply=t.on_success(t.put(str, "routify", "latency_ms")),
    ),
    deviation(
        "role-wrong",
        "shape",
        "the message role is user",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put("user", "choices", 0, "message", "role")),
    ),
    deviation(
        "choices-empty",
        "shape",
        "an empty choices array",
        RESPONSES,
        ("response.schema",),
        reply=t.on_success(t.put([], "choices")),
    ),
    deviation(
        "choice-index-wrong",
        "shape",
        "the only choice has index 1",
        RESPONSES,
        ("response.choice-index",),
        reply=t.on_success(t.put(1, "choices", 0, "index")),
    ),
    deviation(
        "response-content-type-plain",
        "shape",
        "JSON served as text/plain",
        RESPONSES,
        ("response.content-type",),
        reply=t.reply_header("content-type", "text/plain"),
    ),
    deviation(
        "tool-arguments-object",
        "shape",
        "tool call arguments as an object",
        TOOLS,
        ("response.schema", "params.tools"),
        reply=t.on_success(t.tool_arguments_object),
    ),
    # Errors
    deviation(
        "error-unwrapped",
        "errors",
        "error fields without the error envelope",
        ERRORS,
        ("error.envelope",),
        reply=t.on_error(t.unwrap_error),
    ),
    deviation(
        "error-html",
        "errors",
        "errors as an HTML page",
        ERRORS,
        ("error.envelope", "error.content-type"),
        reply=t.on_error(t.html_error),
    ),
    deviation(
        "error-as-200",
        "errors",
        "errors sent with status 200",
        ERRORS,
        ("error.status",),
        reply=t.on_error(t.error_as_200),
    ),
    deviation(
        "error-without-type",
        "errors",
        "the error object has no type",
        ERRORS,
        ("error.envelope",),
        reply=t.on_error(t.error_without_type),
    ),
    deviation(
        "status-402-as-400",
        "errors",
        "insufficient balance answered 400",
        "402",
        ("error.status",),
        reply=t.on_error(t.remap_status({402: 400})),
    ),
    deviation(
        "status-503-as-500",
        "errors",
        "maintenance answered 500",
        "503",
        ("error.status",),
        reply=t.on_error(t.remap_status({503: 500})),
    ),
    deviation(
        "status-401-as-403",
        "errors",
        "a bad key answered 403",
        AUTH,
        ("error.status",),
        reply=t.on_error(t.remap_status({401: 403})),
    ),
    deviation(
        "status-502-as-500",
        "errors",
        "all upstreams down answered 500",
        "502",
        ("error.status",),
        reply=t.on_error(t.remap_status({502: 500})),
    ),
    # Authentication
    deviation(
        "auth-not-enforced",
        "auth",
        "any key, or none, is accepted",
        AUTH,
        ("error.status",),
        request=t.any_key_accepted,
    ),
    # Parameters accepted but not honoured, or not validated
    deviation(
        "max-tokens-ignored",
        "params",
        "max_tokens is not applied",
        MAX_TOKENS,
        ("params.max-tokens",),
        request=t.drop_params("max_tokens"),
    ),
    deviation(
        "stop-ignored",
        "params",
        "stop sequences are not applied",
        STOP,
        ("params.stop",),
        request=t.drop_params("stop"),
    ),
    deviation(
        "json-mode-ignored",
        "params",
        "response_format is not applied",
        JSON_MODE,
        ("params.json-mode",),
        request=t.drop_params("response_format"),
    ),
    deviation(
        "tools-ignored",
        "params",
        "tools and tool_choice are not applied",
        TOOLS,
        ("params.tools",),
        request=t.drop_params("tools", "tool_choice"),
    ),
    deviation(
        "stream-ignored",
        "params",
        "stream: true answered with plain JSON",
        STREAMS,
        ("stream.content-type", "stream.status"),
        request=t.edit_request(t.stream_ignored),
    ),
    deviation(
        "validation-missing",
        "params",
        "invalid bodies are answered 200",
        REJECTED,
        ("params.rejected", "error.status"),
        request=t.unvalidated,
    ),
    deviation(
        "temperature-clamped",
        "params",
        "temperature outside 0–2 clamped, not rejected",
        REJECTED,
        ("params.rejected", "error.status"),
        request=t.edit_request(t.clamp_temperature),
    ),
    deviation(
        "auto-model-unresolved",
        "params",
        "routify-auto answers as model routify-auto",
        AUTO,
        ("params.auto-model",),
        reply=t.on_success(t.model_unresolved),
    ),
)

VARIATIONS: tuple[Deviation, ...] = (
    variation(
        "sse-no-space", "sse", "no space after data:", framing=Framing(space_after_colon=False)
    ),
    variation("sse-crlf", "sse", "CRLF line ends", framing=Framing(line_end="\r\n")),
    variation("sse-cr", "sse", "CR line ends", framing=Framing(line_end="\r")),
    variation(
        "sse-comments", "sse", "a comment line before every event", framing=Framing(comment_every=1)
    ),
    variation(
        "sse-tiny-writes", "sse", "the stream in 3-byte writes", framing=Framing(write_size=3)
    ),
    variation(
        "sse-multiline-data",
        "sse",
        "pretty-printed JSON over several data: lines",
        framing=Framing(pretty=True),
    ),
    variation(
        "sse-id-and-retry",
        "sse",
        "id: and retry: fields",
        framing=Framing(id_lines=True, retry_line=True),
    ),
    variation(
        "sse-bom", "sse", "a byte order mark before the first event", framing=Framing(bom=True)
    ),
    variation(
        "extra-fields", "json", "an extra field in every object", framing=Framing(extra_fields=True)
    ),
    variation("pretty-json", "json", "pretty-printed JSON bodies", framing=Framing(pretty=True)),
    variation(
        "key-order", "json", "every object's keys reversed", framing=Framing(reverse_keys=True)
    ),
    variation(
        "charset-json",
        "headers",
        "application/json; charset=utf-8 on responses",
        reply=t.reply_header("content-type", "application/json; charset=utf-8"),
    ),
    variation(
        "charset-error-json",
        "headers",
        "application/json; charset=utf-8 on errors",
        reply=t.reply_header("content-type", "application/json; charset=utf-8", errors=True),
    ),
    variation(
        "charset-sse",
        "headers",
        "text/event-stream; charset=utf-8",
        stream_headers=t.set_header("content-type", "text/event-stream; charset=utf-8"),
    ),
)

TOLERATED: tuple[Deviation, ...] = (
    Deviation(
        "retry-after-missing",
        "tolerated",
        "errors",
        "429 without a Retry-After header",
        "rate_limit",
        ("error.retry-after",),
        reply=t.on_error(t.drop_retry_after),
    ),
)
"""Departures the suite reports as "non-strict": the run still passes, the case says why."""

ALL: dict[str, Deviation] = {item.name: item for item in (*DEVIATIONS, *VARIATIONS, *TOLERATED)}
