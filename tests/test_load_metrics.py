"""The per-request maths (TTFT, ITL, tokens, failures) on recorded streams with arrival times."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from routify_suite.load.metrics import (
    RequestResult,
    StreamObserver,
    error_result,
    measure_response,
    token_pieces,
)
from routify_suite.paths import FIXTURES_DIR

TRANSCRIPTS = FIXTURES_DIR / "transcripts" / "load"


@dataclass(frozen=True, slots=True)
class Transcript:
    name: str
    started_at: float
    chunks: tuple[tuple[float, bytes], ...]
    finished_at: float


def load_transcript(name: str) -> Transcript:
    document = json.loads((TRANSCRIPTS / f"{name}.json").read_text())
    chunks = tuple((c["at"], c["data"].encode()) for c in document["chunks"])
    return Transcript(name, document["started_at"], chunks, document["finished_at"])


def replay(name: str, *, one_byte_at_a_time: bool = False) -> RequestResult:
    """Feed a recorded stream as it arrived (or split into single bytes, same arrival times)."""
    transcript = load_transcript(name)
    observer = StreamObserver(started_at=transcript.started_at)
    for at, data in transcript.chunks:
        pieces = [data[i : i + 1] for i in range(len(data))] if one_byte_at_a_time else [data]
        for piece in pieces:
            observer.feed(piece, at)
    return observer.finish(transcript.finished_at)


def ms(values: float | tuple[float, ...] | None) -> object:
    if values is None:
        return None
    if isinstance(values, tuple):
        return [round(v * 1000, 6) for v in values]
    return round(values * 1000, 6)


def test_transcripts_are_all_exercised() -> None:
    names = {path.stem for path in Path(TRANSCRIPTS).glob("*.json")}
    assert names == {
        "role_only_first_chunk",
        "multi_token_chunks",
        "cut_mid_stream",
        "reasoning_then_tool_call",
        "error_event_mid_stream",
    }


@pytest.mark.parametrize("bytewise", [False, True], ids=["as-recorded", "byte-by-byte"])
def test_role_only_first_chunk_is_not_a_token(bytewise: bool) -> None:
    result = replay("role_only_first_chunk", one_byte_at_a_time=bytewise)
    assert result.ok, result.error
    assert ms(result.ttft_s) == 200.0  # not 50: the role-only chunk carries no token
    assert ms(result.itl_s) == [20.0, 25.0]
    assert ms(result.e2e_s) == 253.0
    assert (result.output_tokens, result.token_source) == (3, "usage")
    assert (result.channel, result.cost_usd) == ("deepseek-official", 0.0000028)


def test_multi_token_chunks_count_deltas_without_usage() -> None:
    result = replay("multi_token_chunks")
    assert result.ok, result.error
    assert ms(result.ttft_s) == 100.0  # role and first content share the first chunk
    # Two events in one read arrive together (a 0 ms gap); a split event counts when completed.
    assert ms(result.itl_s) == [30.0, 0.0, 50.0]
    assert (result.output_tokens, result.token_source) == (4, "deltas")
    assert result.channel == "deepseek-backup"


def test_stream_cut_mid_way_is_one_failure_with_partial_timings() -> None:
    result = replay("cut_mid_stream")
    assert not result.ok
    assert result.error == "stream: no [DONE]"
    assert result.status == 200
    assert ms(result.ttft_s) == 90.0
    assert ms(result.itl_s) == [20.0]
    assert ms(result.e2e_s) == 500.0


def test_reasoning_text_and_tool_calls_are_tokens() -> None:
    result = replay("reasoning_then_tool_call")
    assert result.ok, result.error
    assert ms(result.ttft_s) == 300.0
    assert ms(result.itl_s) == [30.0, 20.0]
    assert (result.output_tokens, result.token_source) == (7, "usage")


def test_error_event_mid_stream_fails_the_request() -> None:
    result = replay("error_event_mid_stream")
    assert not result.ok
    assert result.error == "stream: error event"
    assert ms(result.ttft_s) == 150.0


def test_transport_error_wins_over_stream_state() -> None:
    observer = StreamObserver(started_at=1.0)
    observer.feed(b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n', 1.1)
    result = observer.finish(3.0, transport_error="transport: timeout")
    assert (result.ok, result.error, ms(result.e2e_s)) == (False, "transport: timeout", 2000.0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"data: not json\n\ndata: [DONE]\n\n", "stream: invalid JSON event"),
        (b"data: [1, 2]\n\ndata: [DONE]\n\n", "stream: event is not a JSON object"),
        (b'data: [DONE]\n\ndata: {"choices": []}\n\n', "stream: data after [DONE]"),
    ],
    ids=["invalid-json", "not-an-object", "after-done"],
)
def test_broken_events_fail_the_request(data: bytes, reason: str) -> None:
    observer = StreamObserver(started_at=0.0)
    observer.feed(data, 0.5)
    assert observer.finish(0.6).error == reason


@pytest.mark.parametrize(
    ("delta", "pieces"),
    [
        ({"role": "assistant"}, 0),
        ({"role": "assistant", "content": ""}, 0),
        ({"content": None}, 0),
        ({"content": "x"}, 1),
        ({"tool_calls": []}, 0),
        ({"tool_calls": [{"index": 0}]}, 1),
        ({"reasoning_content": "r"}, 1),
        ({"reasoning": "r"}, 1),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else str(value),
)
def test_token_pieces(delta: dict[str, object], pieces: int) -> None:
    assert token_pieces({"choices": [{"index": 0, "delta": delta}]}) == pieces


def test_non_streaming_response_reads_usage_and_routify() -> None:
    body = json.dumps(
        {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}}],
            "usage": {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16},
            "routify": {"channel": "deepseek-official", "latency_ms": 187, "cost_usd": 0.0000028},
        }
    ).encode()
    result = measure_response(200, body, started_at=10.0, finished_at=10.25)
    assert result.ok
    assert (result.output_tokens, result.token_source, ms(result.e2e_s)) == (2, "usage", 250.0)
    assert (result.channel, result.cost_usd, result.tokens_per_s) == (
        "deepseek-official",
        0.0000028,
        8.0,
    )


def test_error_status_is_a_failure_named_by_status() -> None:
    body = b'{"error": {"message": "slow down", "type": "rate_limit", "code": "rate_limited"}}'
    result = measure_response(429, body, started_at=0.0, finished_at=0.01)
    assert (result.ok, result.status, result.error) == (False, 429, "HTTP 429")
    unreachable = error_result("stream", 0, b"", 0.0, 1.0, reason="transport: ConnectError")
    assert (unreachable.status, unreachable.error) == (0, "transport: ConnectError")


def test_schedule_lag_is_never_negative() -> None:
    early = measure_response(200, b"{}", started_at=5.0, finished_at=5.1, intended_at=5.2)
    late = measure_response(200, b"{}", started_at=5.5, finished_at=5.6, intended_at=5.2)
    assert early.schedule_lag_s == 0.0
    assert late.schedule_lag_s == pytest.approx(0.3)
    assert measure_response(200, b"{}", 0.0, 1.0).schedule_lag_s is None
