"""requests.jsonl lines (pure): the exact keys, their units, and tokens counted by window."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from routify_suite.load.metrics import RequestResult, StreamObserver
from routify_suite.load.records import RECORD_KEYS, RecordLog, request_record, tokens_within


def stream_result(started: float = 10.0) -> RequestResult:
    """A stream sent at ``started``: first token 0.2 s later, then 4 more, one per 0.1 s."""
    observer = StreamObserver(started_at=started, intended_at=started - 0.5)
    for index in range(5):
        chunk = {"id": "cmpl-1", "choices": [{"delta": {"content": f"t{index}"}}]}
        observer.feed(b"data: " + orjson.dumps(chunk) + b"\n\n", started + 0.2 + index * 0.1)
    observer.feed(b"data: [DONE]\n\n", started + 0.7)
    return observer.finish(started + 0.7)


def test_a_line_has_exactly_the_agreed_keys_in_ms_and_epoch_seconds() -> None:
    line = request_record(
        stream_result(), worker=1, user=3, epoch_offset=1000.0, in_window=True, cut_by_window=False
    )
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    record = orjson.loads(line)
    assert tuple(record) == RECORD_KEYS
    assert record["id"] == "cmpl-1"
    assert (record["worker"], record["user"], record["turn"], record["kind"]) == (1, 3, 1, "stream")
    assert record["sent_at"] == pytest.approx(1010.0)
    assert record["intended_at"] == pytest.approx(1009.5)
    assert record["ttft_ms"] == pytest.approx(200.0)
    assert record["e2e_ms"] == pytest.approx(700.0)
    assert record["itl_p50_ms"] == pytest.approx(100.0)
    assert record["itl_max_ms"] == pytest.approx(100.0)
    assert record["tpot_ms"] == pytest.approx(125.0)  # (700 - 200) / (5 - 1)
    assert (record["output_tokens"], record["tokens_source"]) == (5, "client")
    assert (record["status"], record["error"], record["reconnects"]) == (200, None, 0)
    assert len(line) < 500


def test_a_closed_loop_failure_has_nulls_not_zeros() -> None:
    failed = RequestResult("chat", 0, False, 5.0, 0.01, error="transport: ConnectError")
    record = orjson.loads(
        request_record(
            failed, worker=0, user=1, epoch_offset=0.0, in_window=False, cut_by_window=True
        )
    )
    assert record["intended_at"] is None
    assert record["status"] is None
    assert record["ttft_ms"] is None
    assert record["itl_p50_ms"] is None
    assert record["error"] == "transport: ConnectError"
    assert (record["in_window"], record["cut_by_window"]) == (False, True)


@pytest.mark.parametrize(
    ("start", "end", "tokens"),
    [(0.0, 100.0, 5), (10.45, 100.0, 2), (0.0, 10.45, 3), (10.8, 100.0, 0), (0.0, 10.1, 0)],
)
def test_only_tokens_that_arrived_inside_the_window_count(
    start: float, end: float, tokens: int
) -> None:
    # Tokens arrive at 10.2, 10.3, 10.4, 10.5 and 10.6.
    assert tokens_within(stream_result(), start, end) == tokens


def test_a_non_streaming_reply_counts_when_it_arrives() -> None:
    reply = RequestResult("chat", 200, True, 1.0, 2.0, output_tokens=40)
    assert tokens_within(reply, 0.0, 3.5) == 40
    assert tokens_within(reply, 0.0, 2.5) == 0


def test_the_log_appends_in_blocks_and_hands_over_what_it_holds(tmp_path: Path) -> None:
    log = RecordLog()
    log.start(tmp_path / "requests.jsonl")
    log.add(b'{"a":1}\n')
    assert log.write(b'{"w":1}\n') == 16
    log.add(b'{"b":2}\n')
    assert log.drain() == b'{"b":2}\n'
    assert log.write() == 0
    assert (tmp_path / "requests.jsonl").read_bytes() == b'{"w":1}\n{"a":1}\n'
