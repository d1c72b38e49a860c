"""``routify-suite load`` with workloads, missed arrivals and a capacity sweep, end to end.

Short runs (one to three seconds of load each) against the reference server; the figures the
issue asks for at full length are printed by benchmarks/bench_load_workloads.py and
benchmarks/bench_capacity_find_max.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from routify_suite.cli import main
from routify_suite.paths import FIXTURES_DIR
from routify_suite.server import running_server

DATASETS = FIXTURES_DIR / "datasets"


def read_summary(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "summary.json").read_text())


def test_synthetic_workload_reaches_the_requested_lengths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["load", "--scenario", "stream", "--users", "2", "--run-time", "2s"]
    arguments += ["--input-tokens", "300,30", "--output-tokens", "40", "--ignore-eos"]
    # Unpaced, so the mean is taken over many prompts (at the default pacing, four or five).
    arguments += ["--server-ttft-ms", "0", "--server-itl-ms", "0"]
    code = main([*arguments, "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(tmp_path)
    assert summary["failures"] == 0
    inputs, outputs = summary["input_tokens"], summary["output_tokens"]
    assert set(inputs) == set(outputs) == {"requested", "achieved", "source"}
    assert inputs["requested"] == {"mean": 300.0, "stddev": 30.0}
    assert set(inputs["achieved"]) == {"mean", "p50", "p90", "max"}
    assert inputs["source"] == "tokenizer"
    # The mean of n draws from N(300, 30) is within 5 standard errors (30 / sqrt(n)) of 300 but
    # for one run in about two million; a token either way for the prompt's wrapping.
    bound = 5 * 30 / summary["requests"] ** 0.5 + 1
    assert abs(inputs["achieved"]["mean"] - 300) <= bound, (summary["requests"], bound)
    assert outputs["source"] == "usage"
    assert outputs["achieved"]["p50"] == pytest.approx(40, rel=0.01)  # ignore_eos honoured
    assert summary["tokenizer"] == "bpe-openai cl100k_base"
    assert summary["server_prompt_tokens"]["mean"] > 0
    assert summary["prompt_tokens_gap"]["mean"] is not None
    assert "tokenizer bpe-openai cl100k_base" in out


@pytest.mark.parametrize("dataset", ["chat.jsonl", "sharegpt.json"])
def test_dataset_sessions_resend_their_history(
    dataset: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["load", "--scenario", "mixed", "--users", "2", "--run-time", "2s"]
    arguments += ["--dataset", str(DATASETS / dataset), "--turns", "2"]
    # Unpaced: at the default pacing a first turn can take most of the 2 s, leaving no second.
    arguments += ["--server-ttft-ms", "0", "--server-itl-ms", "0"]
    code = main([*arguments, "--report-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().out
    summary = read_summary(tmp_path)
    assert summary["failures"] == 0
    assert set(summary["by_turn"]) <= {"1", "2"}
    assert summary["by_turn"]["1"] > 0
    assert summary["by_turn"]["2"] > 0
    assert summary["run"]["workload"]["dataset"] == dataset


def test_arrival_rate_the_generator_cannot_keep_up_with_reports_missed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One user, 40 requests/s scheduled, 200 ms a request: most slots are never sent."""
    with running_server(ttft_ms=200) as server:
        arguments = ["load", "--base-url", server.base_url, "--scenario", "chat"]
        arguments += ["--api-key", "rtf_local_valid", "--model", "deepseek-v3.2"]
        arguments += ["--users", "1", "--shape", "constant-arrival-rate:40", "--run-time", "2s"]
        code = main([*arguments, "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(tmp_path)
    assert summary["requests"] <= 12
    assert summary["missed"] >= 40 * 2 - summary["requests"] - 15
    assert "missed" in out


def test_a_closed_model_run_misses_nothing(tmp_path: Path) -> None:
    arguments = ["load", "--scenario", "chat", "--users", "1", "--run-time", "1s"]
    # An unpaced embedded server: a paced reply takes about the whole second, and a run that
    # completes no request fails the gate (at least one request) whatever it missed.
    arguments += ["--server-ttft-ms", "0", "--server-itl-ms", "0"]
    assert main([*arguments, "--report-dir", str(tmp_path)]) == 0
    assert read_summary(tmp_path)["missed"] == 0


def test_sweep_reports_capacity_per_step_and_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Capacity model: 20 tokens/s shared, so 1 user gets 50 ms a token and 4 users 200 ms."""
    slo = tmp_path / "slo.toml"
    slo.write_text('[slo]\n"itl_ms.p50" = { max = 120 }\n')
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "stream", "--sweep", "users=1,4", "--slo", str(slo)]
    arguments += ["--capacity-tokens-per-s", "20", "--warmup", "0.5", "--run-time", "2s"]
    arguments += ["--output-tokens", "4", "--ignore-eos", "--report-dir", str(report)]
    code = main([*arguments, "--min-capacity", "2"])
    out = capsys.readouterr().out
    assert code == 1, out  # a capacity of 1 user is below --min-capacity 2
    summary = read_summary(report)
    capacity = summary["capacity"]
    assert set(capacity) == {"dimension", "value", "output_tokens_per_s", "goodput_rps", "steps"}
    assert (capacity["dimension"], capacity["value"]) == ("users", 1)
    assert [step["passed"] for step in capacity["steps"]] == [True, False]
    assert capacity["steps"][1]["itl_ms"]["p50"] >= 180
    assert capacity["output_tokens_per_s"] > 0
    assert capacity["goodput_rps"] > 0
    assert capacity["steps"][1]["goodput_rps"] == 0  # no request met the ITL bound
    assert summary["capacity_result"].startswith("capacity: 1 concurrent streams at itl_ms.p50")
    assert summary["capacity_result"] in out.replace("\n", " ")
    for name in ("latency_vs_load.png", "throughput_vs_load.png"):
        assert (report / name).stat().st_size > 0
    assert (report / capacity["steps"][0]["report_dir"] / "summary.json").exists()
    # The report the run names is there, and shows the search.
    named = out.replace("\n", " ").split("report: ", 1)[1].split()[0]
    assert Path(named) == report / "report.html"
    assert "Highest users that met the SLO" in (report / "report.html").read_text()
