"""Open-model runs end to end: the arrival process read back from requests.jsonl, one schedule
under --workers, and output tokens/s at the capacity model's rate with streams cut by the
window's end counted.

The schedules are seeded, so the intended times are fixed; the bounds leave room for the send
jitter of a busy machine (sent_at is read, not intended_at) and sit more than three standard
errors from the true values had the seed been free (600 gaps: the mean's standard error is
CV/sqrt(600), 4 % for Poisson).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from routify_suite.cli import main
from routify_suite.load.records import RECORD_KEYS, read_records, send_gaps


def run(report: Path, *arguments: str) -> dict[str, Any]:
    code = main(
        [
            "load",
            "--scenario",
            "chat",
            "--server-ttft-ms",
            "5",
            "--server-itl-ms",
            "0",
            "--run-time",
            "6s",
            "--seed",
            "1",
            "--report-dir",
            str(report),
            *arguments,
        ]
    )
    assert code == 0
    return json.loads((report / "summary.json").read_text())


def test_poisson_arrivals_have_the_rate_and_the_spread_of_a_poisson_process(
    tmp_path: Path,
) -> None:
    summary = run(tmp_path, "--users", "30", "--rate", "100", "--arrival", "poisson")
    records = read_records(tmp_path / "requests.jsonl")
    assert all(tuple(record) == RECORD_KEYS for record in records)
    assert {record["worker"] for record in records} == {0}
    assert all(record["intended_at"] <= record["sent_at"] for record in records)
    mean, cv = send_gaps(records)
    assert mean == pytest.approx(0.01, rel=0.15)
    assert 0.8 <= cv <= 1.2
    arrivals = summary["arrivals"]
    assert (arrivals["process"], arrivals["rate"], arrivals["seed"]) == ("poisson", 100.0, 1)
    assert arrivals["achieved_ratio"] == pytest.approx(1.0, abs=0.2)


def test_gamma_arrivals_under_two_workers_are_one_bursty_schedule(tmp_path: Path) -> None:
    summary = run(
        tmp_path,
        *("--users", "60", "--workers", "2", "--rate", "100"),
        *("--arrival", "gamma", "--burstiness", "0.25"),
    )
    records = read_records(tmp_path / "requests.jsonl")
    assert {record["worker"] for record in records} == {0, 1}  # one file from both
    mean, cv = send_gaps(records)
    assert mean == pytest.approx(0.01, rel=0.15)
    assert cv > 1.5
    assert summary["arrivals"]["processes"] == 2


def test_past_capacity_output_tokens_per_s_is_the_servers_rate(tmp_path: Path) -> None:
    # 20 streams share 200 tokens/s: each 50-token stream takes 5 s, so in an 8 s window most
    # tokens belong to streams that straddle its start or are cut by its end.
    code = main(
        [
            "load",
            "--scenario",
            "stream",
            "--users",
            "20",
            "--run-time",
            "8s",
            "--capacity-tokens-per-s",
            "200",
            "--output-tokens",
            "50",
            "--ignore-eos",
            "--report-dir",
            str(tmp_path),
        ]
    )
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["output_tokens_per_s"] == pytest.approx(200, rel=0.1)
    assert summary["cut_by_window"] == 20
    records = read_records(tmp_path / "requests.jsonl")
    cut = [record for record in records if record["cut_by_window"]]
    assert len(cut) == 20
    assert all(0 <= (record["output_tokens"] or 0) < 50 for record in cut)
    assert summary["requests"] == len(records) - len(cut)
