"""Checks of a streaming 200: SSE framing, chunks, consistency, finish, usage, [DONE]."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from routify_suite import schemas
from routify_suite.conformance.checks.common import (
    Check,
    by_profile,
    finding,
    run_all,
    schema_findings,
)
from routify_suite.conformance.checks.common import transport as transport_findings
from routify_suite.conformance.checks.response import created_near, usage_sum
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import Finding
from routify_suite.sse import DONE
from routify_suite.target import Target


def precondition(exchange: Exchange) -> list[Finding]:
    """A stream to check: no transport failure, status 200."""
    failed = transport_findings(exchange)
    if failed:
        return failed
    if exchange.status != 200:
        got = exchange.summary()
        return [finding(exchange, "stream.status", "HTTP 200 with an event stream", got)]
    if exchange.stream is None:
        return [finding(exchange, "stream.status", "an event stream", "no stream was read")]
    return []


def check_content_type(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed:
        return failed
    if exchange.media_type == "text/event-stream":
        return []
    got = exchange.content_type or "(none)"
    return [finding(exchange, "stream.content-type", "Content-Type text/event-stream", got)]


def check_sse(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed or exchange.stream is None:
        return failed
    return [
        finding(exchange, "stream.sse", "a well-formed text/event-stream", str(violation))
        for violation in exchange.stream.violations
    ]


def check_json(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed:
        return failed
    found = []
    for event, value in exchange.chunks:
        if isinstance(value, ValueError) or not isinstance(value, dict):
            got = f"event at byte {event.offset}: {event.data!r} ({value})"
            found.append(finding(exchange, "stream.json", "data: <a JSON object>", got))
    return found


def _schema(exchange: Exchange, target: Target) -> list[Finding]:
    found: list[Finding] = []
    for number, chunk in enumerate(exchange.json_chunks):
        for item in schema_findings(
            exchange, target, schemas.CHUNK, chunk, "stream.chunk-schema", "stream.routify"
        ):
            found.append(replace(item, got=f"chunk {number}: {item.got}"))
    return found


def check_chunk_schema(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    return failed or [f for f in _schema(exchange, target) if f.check == "stream.chunk-schema"]


def check_routify(exchange: Exchange, target: Target) -> list[Finding]:
    """Each routify block valid, and (spec: in every response) at least one chunk carries one.

    In the openai profile the block is optional: its absence passes, a broken one is non-strict.
    """
    failed = precondition(exchange)
    if failed:
        return failed
    found = [f for f in _schema(exchange, target) if f.check == "stream.routify"]
    chunks = exchange.json_chunks
    if target.strict_routify and chunks and not any("routify" in chunk for chunk in chunks):
        missing = finding(
            exchange,
            "stream.routify",
            "a routify block on at least one chunk",
            f"none of {len(chunks)} chunks carries routify",
        )
        found.append(missing)
    return by_profile(target, found)


MOVING_WITHOUT_IMPACT = frozenset({"created"})
"""Chunk fields clients read from one chunk at most: a value that moves changes nothing for them
(a changing id or model does: clients key and label a completion by them)."""


def check_consistent(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed:
        return failed
    chunks = exchange.json_chunks
    found = []
    for field in ("id", "model", "created"):
        values = [chunk.get(field) for chunk in chunks]
        distinct = list(dict.fromkeys(repr(v) for v in values))
        if len(distinct) > 1:
            got = f"{field} took {len(distinct)} values: {', '.join(distinct[:4])}"
            expected = f"one {field} in every chunk"
            impact = field not in MOVING_WITHOUT_IMPACT
            found.append(finding(exchange, "stream.consistent", expected, got, impact=impact))
    if chunks:
        created = created_near(exchange, chunks[0].get("created"), "stream.consistent")
        found.extend(created)
    return found


def _choice_chunks(exchange: Exchange) -> dict[int, list[dict[str, Any]]]:
    """Each choice's entries in arrival order, keyed by index."""
    by_index: dict[int, list[dict[str, Any]]] = {}
    for chunk in exchange.json_chunks:
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if isinstance(choice, dict) and isinstance(choice.get("index"), int):
                by_index.setdefault(choice["index"], []).append(choice)
    return by_index


def _carries_output(choice: dict[str, Any]) -> bool:
    delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
    return bool(delta.get("content")) or bool(delta.get("tool_calls"))


def check_finish_reason(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed:
        return failed
    found = []
    by_index = _choice_chunks(exchange)
    if not by_index:
        return [finding(exchange, "stream.finish-reason", "at least one choice", "no choices")]
    for index, entries in sorted(by_index.items()):
        reasons = [(n, e.get("finish_reason")) for n, e in enumerate(entries)]
        finished = [(n, r) for n, r in reasons if r is not None]
        if len(finished) != 1:
            got = f"choice {index}: {len(finished)} finish_reasons {[r for _, r in finished]}"
            found.append(
                finding(exchange, "stream.finish-reason", "exactly one finish_reason", got)
            )
            continue
        position = finished[0][0]
        if any(_carries_output(entry) for entry in entries[position + 1 :]):
            found.append(
                finding(
                    exchange,
                    "stream.finish-reason",
                    f"choice {index}: no output after its finish_reason",
                    "deltas with content after finish_reason",
                )
            )
    chunks = exchange.json_chunks
    usage = chunks[-1].get("usage") if chunks else None
    merged = {"usage": usage} if isinstance(usage, dict) else {}
    last = [entries[-1] | {"delta": _merged_delta(entries)} for entries in by_index.values()]
    found.extend(_response_finish(exchange, merged, last))
    return found


def _merged_delta(entries: list[dict[str, Any]]) -> dict[str, Any]:
    tool_calls = [
        call
        for entry in entries
        if isinstance(entry.get("delta"), dict)
        for call in entry["delta"].get("tool_calls") or []
    ]
    return {"tool_calls": tool_calls} if tool_calls else {}


def _response_finish(
    exchange: Exchange, doc: dict[str, Any], choices: list[dict[str, Any]]
) -> list[Finding]:
    from routify_suite.conformance.checks.response import finish_consistency

    return [
        Finding("stream.finish-reason", f.expected, f.got, f.request_id, exchange=exchange)
        for f in finish_consistency(exchange, doc, choices, "delta")
    ]


def check_role(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed:
        return failed
    found = []
    for index, entries in sorted(_choice_chunks(exchange).items()):
        delta = entries[0].get("delta") if isinstance(entries[0].get("delta"), dict) else {}
        if delta.get("role") != "assistant":
            got = f"choice {index}: first delta {delta!r}"
            expected = 'role "assistant" in the first delta'
            found.append(finding(exchange, "stream.role", expected, got, impact=False))
    return found


def wants_usage(exchange: Exchange) -> bool:
    request = exchange.request if isinstance(exchange.request, dict) else {}
    options = request.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _carries_answer(choice: Any) -> bool:
    """A choice with anything a client reads: content, tool calls, a refusal or finish_reason."""
    if not isinstance(choice, dict):
        return True
    delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
    return choice.get("finish_reason") is not None or any(
        delta.get(name) not in (None, "", []) for name in ("content", "tool_calls", "refusal")
    )


def check_usage(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed or not wants_usage(exchange):
        return failed
    chunks = exchange.json_chunks
    carrying = [n for n, chunk in enumerate(chunks) if isinstance(chunk.get("usage"), dict)]
    if not carrying:
        expected = "a final chunk with usage (stream_options.include_usage)"
        return [finding(exchange, "stream.usage", expected, "no chunk carries usage")]
    found = []
    if carrying != [len(chunks) - 1]:
        got = f"usage in chunks {carrying} of {len(chunks)}"
        found.append(finding(exchange, "stream.usage", "usage in the last chunk only", got))
    last = chunks[carrying[-1]]
    if last.get("choices") != []:
        got = f"choices {last.get('choices')!r}"
        # Empty deltas beside the usage give a reader nothing to act on (non-strict); content,
        # tool calls or a finish_reason there would be read as part of the answer.
        carries = any(_carries_answer(choice) for choice in last.get("choices") or [])
        expected = "the usage chunk has choices []"
        found.append(finding(exchange, "stream.usage", expected, got, impact=carries))
    found.extend(usage_sum(exchange, last.get("usage"), "stream.usage"))
    return found


def check_done_present(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed or exchange.stream is None:
        return failed
    if any(event.data == DONE for event in exchange.stream.events):
        return []
    tail = exchange.stream.events[-1].data if exchange.stream.events else "no events"
    got = f"no [DONE] event; last event: {tail!r}"
    return [finding(exchange, "stream.done-present", "data: [DONE]", got)]


def check_done_last(exchange: Exchange, target: Target) -> list[Finding]:
    failed = precondition(exchange)
    if failed or exchange.stream is None:
        return failed
    events = exchange.stream.events
    positions = [n for n, event in enumerate(events) if event.data == DONE]
    if not positions or positions == [len(events) - 1]:
        return []  # absence is stream.done-present's finding
    after = [event.data for event in events[positions[0] + 1 :]]
    got = f"{len(after)} event(s) after [DONE]: {after[:3]!r}"
    return [finding(exchange, "stream.done-last", "nothing after data: [DONE]", got)]


STREAM_CHECKS: dict[str, Check] = {
    "stream.content-type": check_content_type,
    "stream.sse": check_sse,
    "stream.json": check_json,
    "stream.chunk-schema": check_chunk_schema,
    "stream.routify": check_routify,
    "stream.consistent": check_consistent,
    "stream.finish-reason": check_finish_reason,
    "stream.role": check_role,
    "stream.usage": check_usage,
    "stream.done-present": check_done_present,
    "stream.done-last": check_done_last,
}


def all_stream_findings(exchange: Exchange, target: Target) -> list[Finding]:
    return run_all(STREAM_CHECKS, exchange, target)
