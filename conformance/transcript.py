"""The wire transcript of one exchange, as the report shows it: what was sent, what came back.

A person judging a failed check wants the exchange itself: the request body, the status, the
headers, and the body or the SSE events as they arrived (the first and last few, each with its
arrival offset from the moment the request left). Everything goes through the target's redactor,
so keys stay masked; bodies and event lists are clipped so results.json stays small.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from typing import Any, Final

from routify_suite.conformance.exchange import Exchange

BODY_CHARS: Final = 4000
"""Characters of a request or response body kept in a transcript."""
EVENT_CHARS: Final = 600
EDGE_EVENTS: Final = 4
"""Events kept from each end of a stream; those between are counted, not kept."""

_serial = itertools.count(1)


def new_exchange_id() -> str:
    """An id unique in a run, also across pytest-xdist workers (their pids differ)."""
    return f"x{os.getpid():x}-{next(_serial)}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more chars)"


def _request_text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    try:
        return json.dumps(body, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(body)


def _events(exchange: Exchange, started: float, redact: Callable[[str], str]) -> dict[str, Any]:
    stream = exchange.stream
    assert stream is not None
    events = stream.events

    def shown(index: int) -> dict[str, Any]:
        event = events[index]
        at_ms = (event.received_at - started) * 1000 if started and event.received_at else None
        return {
            "index": index,
            "at_ms": None if at_ms is None else round(at_ms, 1),
            "event": event.event,
            "data": redact(_clip(event.data, EVENT_CHARS)),
        }

    head = list(range(min(EDGE_EVENTS, len(events))))
    tail = list(range(max(len(head), len(events) - EDGE_EVENTS), len(events)))
    return {
        "count": len(events),
        "first": [shown(i) for i in head],
        "last": [shown(i) for i in tail],
        "omitted": len(events) - len(head) - len(tail),
        "ended": stream.ended,
        "detail": redact(stream.detail),
        "violations": [redact(str(v)) for v in stream.violations[:10]],
    }


def transcript(exchange: Exchange, url: str, redact: Callable[[str], str]) -> dict[str, Any]:
    """The exchange as plain JSON data, keys masked; computed once per exchange."""
    cached = getattr(exchange, "_transcript", None)
    if cached is not None:
        return cached
    headers = exchange.sent_headers
    record: dict[str, Any] = {
        "id": exchange.id,
        "label": exchange.label,
        "method": "POST",
        "url": redact(url),
        "request_headers": {name: redact(value) for name, value in headers.items()},
        "request": redact(_clip(_request_text(exchange.request), BODY_CHARS)),
        "status": exchange.status,
        "headers": {name: redact(value) for name, value in exchange.headers.items()},
        "duration_ms": round(exchange.duration_s * 1000, 1),
        "failure": redact(exchange.failure[1]) if exchange.failure else None,
    }
    if exchange.stream is not None:
        record["events"] = _events(exchange, exchange.started, redact)
    else:
        text = exchange.body.decode("utf-8", errors="replace")
        record["body"] = redact(_clip(text, BODY_CHARS))
    exchange._transcript = record  # type: ignore[attr-defined]
    return record
