"""Legal variations (every one must pass the whole suite) and tolerated departures."""

from __future__ import annotations

from typing import Any

from tests.mutation import departures as d
from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation
from tests.mutation.entries import ERRORS, STREAMS, variation
from tests.mutation.framing import Framing

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
    variation(
        "closes-connections",
        "http",
        "closes every kept-alive connection after one response",
        closes_connections=True,
    ),
)


def tolerated(
    name: str, area: str, summary: str, select: str, flagged: tuple[str, ...], **hooks: Any
) -> Deviation:
    """A departure the suite must report non-strict (exit 0), and fail under --strict."""
    return Deviation(name, "tolerated", area, summary, select, flagged, **hooks)


TOLERATED: tuple[Deviation, ...] = (
    tolerated(
        "retry-after-missing",
        "errors",
        "429 without a Retry-After header",
        "rate_limit",
        ("error.retry-after",),
        reply=t.on_error(t.drop_retry_after),
    ),
    tolerated(
        "accepts-empty-tools",
        "params",
        "accepts tools: [] (OpenAI answers 400)",
        "tools-empty",
        ("params.rejected-openai",),
        request=t.edit_request(d.accept_empty_tools),
    ),
    tolerated(
        "accepts-five-stops",
        "params",
        "accepts 5 stop sequences (OpenAI allows 4)",
        "stop-array-of-5",
        ("params.rejected-openai",),
        request=t.edit_request(d.accept_five_stops),
    ),
    tolerated(
        "error-param-omitted",
        "errors",
        "the error envelope omits the nullable param",
        ERRORS,
        ("error.envelope", "snapshot.shape"),
        reply=t.on_error(d.error_without_param),
    ),
    tolerated(
        "error-code-integer",
        "errors",
        "the error envelope's code is an integer",
        ERRORS,
        ("error.envelope", "snapshot.shape"),
        reply=t.on_error(d.integer_error_code),
    ),
    tolerated(
        "finish-reason-null-omitted",
        "sse",
        "chunks omit finish_reason: null before the last one",
        STREAMS,
        ("stream.chunk-schema", "snapshot.shape"),
        events=t.on_chunks(d.finish_reason_only_last),
    ),
    tolerated(
        "created-moves",
        "sse",
        "created changes from chunk to chunk",
        STREAMS,
        ("stream.consistent",),
        events=t.on_chunks(t.change_created),
    ),
    tolerated(
        "accepts-key-without-bearer",
        "auth",
        "accepts the valid key as `Basic <key>` or a bare key",
        "basic-scheme or key-without-scheme",
        ("error.status",),
        request=t.key_without_bearer_accepted,
    ),
    tolerated(
        "usage-chunk-empty-choice",
        "sse",
        "the usage chunk has one choice with an empty delta, not choices []",
        "usage",
        ("stream.usage", "snapshot.shape"),
        events=t.on_chunks(t.usage_chunk_empty_choice),
    ),
    tolerated(
        "openai-lenient-server",
        "all",
        "all of the above at once, over the whole suite",
        "",
        (
            "params.rejected-openai",
            "error.envelope",
            "stream.chunk-schema",
            "stream.consistent",
            "error.retry-after",
            "snapshot.shape",
        ),
        request=t.edit_request(t.every(d.accept_empty_tools, d.accept_five_stops)),
        reply=t.on_error(
            t.in_turn(t.drop_retry_after, d.error_without_param, d.integer_error_code)
        ),
        events=t.on_chunks(t.every(t.change_created, d.finish_reason_only_last)),
    ),
)
