"""Legal variations (every one must pass the whole suite) and tolerated departures."""

from __future__ import annotations

from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation
from tests.mutation.entries import variation
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
