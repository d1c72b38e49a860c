"""Exact merging: workers' histograms and counters add up to what one process would record."""

from __future__ import annotations

import json
import random

import pytest

from routify_suite.load.histograms import decode, encode, new_histogram, record, summarize
from routify_suite.load.metrics import RequestResult
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.summary import RunInfo, build_summary

START = 1_700_000_000.0


def synthetic_results(count: int, seed: int) -> list[tuple[RequestResult, float]]:
    """Deterministic, varied results: streams and chats, failures, channels, a schedule."""
    rng = random.Random(seed)
    results = []
    for index in range(count):
        stream = rng.random() < 0.7
        ok = rng.random() > 0.1
        status = 200 if ok or rng.random() < 0.5 else rng.choice((429, 500, 502))
        gaps = (
            tuple(rng.lognormvariate(-4, 0.6) for _ in range(rng.randint(0, 12))) if stream else ()
        )
        result = RequestResult(
            kind="stream" if stream else "chat",
            status=status,
            ok=ok,
            started_at=index * 0.01,
            e2e_s=rng.lognormvariate(-1, 0.5),
            error=None if ok else ("stream: no [DONE]" if status == 200 else f"HTTP {status}"),
            ttft_s=rng.lognormvariate(-1.6, 0.4) if stream else None,
            itl_s=gaps,
            output_tokens=rng.randint(1, 200),
            token_source=rng.choice(("usage", "deltas")),
            channel=rng.choice(("deepseek-official", "deepseek-backup", None)),
            cost_usd=rng.choice((0.0000028, 0.00000392, None)),
            intended_at=index * 0.01 - rng.random() * 0.05 if index % 3 == 0 else None,
        )
        results.append((result, START + index * 0.013))
    return results


def test_merged_histograms_equal_a_single_one() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(3, 1.2) for _ in range(20_000)]
    single = new_histogram()
    parts = [new_histogram() for _ in range(3)]
    for index, value in enumerate(values):
        record(single, value)
        record(parts[index % 3], value)
    merged = new_histogram()
    for part in parts:
        merged.decode_and_add(encode(part).encode("ascii"))
    assert summarize(merged) == summarize(single)
    assert summarize(decode(encode(single))) == summarize(single)


def test_workers_merged_on_a_master_equal_one_process() -> None:
    results = synthetic_results(3000, seed=11)
    single = MetricsRecorder(window_s=2)
    workers = [MetricsRecorder(window_s=2) for _ in range(4)]
    master = MetricsRecorder(window_s=2)
    for index, (result, wall) in enumerate(results):
        single.record(result, wall)
        worker = workers[index % 4]
        worker.record(result, wall)
        if index % 500 == 499:  # periodic reports: each drain sends only the new part
            # Through JSON, as the metrics file carries it (msgpack carries the same types).
            master.merge(json.loads(json.dumps(worker.drain())))
    for worker in workers:
        worker.note_interrupted()  # each stopped with a request in flight
        single.note_interrupted()
        master.merge(worker.drain())
        assert worker.requests == 0
    run = RunInfo(started=START, stopped=START + 40.0)
    assert build_summary(master, run) == build_summary(single, run)
    assert _same_windows(master, single)
    assert master.interrupted == 4


def _same_windows(a: MetricsRecorder, b: MetricsRecorder) -> bool:
    """Window by window: the same counts and the same percentiles."""
    assert a.windows.keys() == b.windows.keys()
    for key, window in a.windows.items():
        other = b.windows[key]
        assert (window.requests, window.failures, window.output_tokens) == (
            other.requests,
            other.failures,
            other.output_tokens,
        )
        for name, histogram in window.histograms.items():
            assert summarize(histogram) == summarize(other.histograms[name])
    return True


def test_each_failed_request_is_counted_once() -> None:
    recorder = MetricsRecorder()
    results = synthetic_results(500, seed=3)
    for result, wall in results:
        recorder.record(result, wall)
    failed = [r for r, _ in results if not r.ok]
    assert recorder.failures == len(failed) == sum(recorder.errors.values())
    assert sum(recorder.by_status.values()) == recorder.requests == len(results)
    # Failed requests do not pollute the latency histograms.
    successes = [r for r, _ in results if r.ok]
    assert recorder.histogram("e2e_ms").get_total_count() == len(successes)
    assert recorder.histogram("itl_ms").get_total_count() == sum(len(r.itl_s) for r in successes)


def test_summary_figures() -> None:
    recorder = MetricsRecorder()
    ok = RequestResult(
        "stream", 200, True, 0.0, 0.5, None, 0.1, (0.02, 0.03), 5, "usage", "a", 0.000002
    )
    cut = RequestResult("stream", 200, False, 0.0, 0.3, "stream: no [DONE]", 0.1, (0.02,), 2)
    limited = RequestResult("chat", 429, False, 0.0, 0.01, "HTTP 429", channel="a", cost_usd=0.0)
    for result in (ok, ok, cut, limited):
        recorder.record(result, START)
    summary = build_summary(recorder, RunInfo(started=START, stopped=START + 2.0))
    assert (summary["requests"], summary["failures"], summary["rps"]) == (4, 2, 2.0)
    assert summary["error_rate"] == 0.5
    assert summary["by_status"] == {"200": 3, "429": 1}
    assert summary["errors"] == {"HTTP 429": 1, "stream: no [DONE]": 1}
    assert summary["ttft_ms"]["p50"] == pytest.approx(100.0, rel=1e-3)
    assert summary["ttft_ms"]["count"] == 2
    assert summary["itl_ms"]["count"] == 4
    assert summary["output_tokens_total"] == 10
    assert summary["output_tokens_per_s"] == 5.0
    assert summary["token_counts"] == {"usage": 2}
    assert summary["by_channel"] == {"a": {"requests": 3, "cost_usd": 0.000004}}
    assert summary["cost_usd"] == 0.000004
    assert summary["tpot_ms"]["p50"] == pytest.approx(100.0, rel=1e-3)  # (500 - 100) / 4
    assert summary["schedule_lag_ms"]["count"] == 0
    assert summary["slo"] == {"passed": True, "breaches": []}
    json.dumps(summary)  # serialisable as is


def test_schedule_lag_and_latency_from_intended_time() -> None:
    recorder = MetricsRecorder()
    late = RequestResult("chat", 200, True, started_at=10.25, e2e_s=0.1, intended_at=10.0)
    recorder.record(late, START)
    summary = build_summary(recorder, RunInfo(started=START, stopped=START + 1))
    assert summary["schedule_lag_ms"]["p50"] == pytest.approx(250.0, rel=1e-3)
    assert summary["e2e_from_intended_ms"]["p50"] == pytest.approx(350.0, rel=1e-3)


def test_empty_summary_has_every_key() -> None:
    summary = build_summary(MetricsRecorder(), RunInfo(started=START, stopped=START))
    for key in ("requests", "failures", "rps", "error_rate", "output_tokens_per_s", "cost_usd"):
        assert summary[key] == 0
    for key in ("ttft_ms", "itl_ms", "e2e_ms"):
        assert set(summary[key]) >= {"p50", "p90", "p95", "p99", "max"}
        assert summary[key]["p50"] is None
    assert summary["by_status"] == summary["by_channel"] == {}
