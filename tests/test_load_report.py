"""From a master's metrics file to summary.json, the gate's verdict and the plots (no Locust)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from routify_suite.load.console import print_summary
from routify_suite.load.files import METRICS_FILE, write_json
from routify_suite.load.metrics import RequestResult
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.report import MetricsFileError, RunMetrics, finish_report, read_metrics
from routify_suite.load.run import DEFAULT_BUDGET
from routify_suite.load.slo import DEFAULT_BUDGET_SOURCE, Bound
from routify_suite.load.summary import RunInfo

START = 1_700_000_000.0
PNG = b"\x89PNG\r\n\x1a\n"


def write_metrics(directory: Path) -> MetricsRecorder:
    recorder = MetricsRecorder(window_s=1)
    for second in range(6):
        recorder.note_users(START + second, 2 + second)
        for index in range(10):
            gaps = tuple(0.02 + 0.001 * k for k in range(index))
            result = RequestResult(
                "stream", 200, True, 0.0, 0.3, None, 0.1 + 0.01 * index, gaps, 8, "usage", "c", 1e-6
            )
            recorder.record(result, START + second + index / 10)
    run = {"started": START, "stopped": START + 6, "locust_requests": 60, "workers": 2}
    write_json(directory / METRICS_FILE, {"run": run, "metrics": recorder.snapshot()})
    return recorder


def test_report_from_metrics_file(tmp_path: Path) -> None:
    write_metrics(tmp_path)
    metrics = read_metrics(tmp_path, RunInfo(0.0, 0.0, scenario="stream", users=7))
    assert (metrics.run.started, metrics.run.workers, metrics.run.users) == (START, 2, 7)
    code = finish_report(metrics, [Bound("ttft_ms.p99", max=200.0)], tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert code == 0
    assert (summary["requests"], summary["rps"], summary["output_tokens_per_s"]) == (60, 10.0, 80.0)
    assert summary["ttft_ms"]["p50"] == pytest.approx(140.0, rel=1e-3)
    assert summary["run"]["locust_requests"] == 60
    assert summary["slo"]["passed"] is True
    for name in (
        "latency_over_time.png",
        "throughput_vs_users.png",
        "ttft_histogram.png",
        "itl_histogram.png",
    ):
        assert (tmp_path / name).read_bytes().startswith(PNG), name


def test_breach_is_exit_one_and_recorded(tmp_path: Path) -> None:
    write_metrics(tmp_path)
    metrics = read_metrics(tmp_path, RunInfo(0.0, 0.0))
    assert finish_report(metrics, [Bound("rps", min=100.0)], tmp_path) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["slo"]["breaches"] == [
        {
            "path": "rps",
            "bound": "min",
            "limit": 100.0,
            "actual": 10.0,
            "message": "rps = 10, below min 100",
        }
    ]


@pytest.mark.parametrize("content", [None, "{", '{"run": {}}'], ids=["absent", "cut", "empty"])
def test_unusable_metrics_file(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / METRICS_FILE).write_text(content)
    with pytest.raises(MetricsFileError, match=r"no usable metrics\.json"):
        read_metrics(tmp_path, RunInfo(0.0, 0.0))


def test_plots_of_a_run_without_streams(tmp_path: Path) -> None:
    recorder = MetricsRecorder()
    recorder.record(RequestResult("chat", 200, True, 0.0, 0.05, output_tokens=3), START)
    write_json(
        tmp_path / METRICS_FILE,
        {"run": {"started": START, "stopped": START + 1}, "metrics": recorder.snapshot()},
    )
    assert finish_report(read_metrics(tmp_path, RunInfo(0.0, 0.0)), [], tmp_path) == 0
    assert not (tmp_path / "ttft_histogram.png").exists()  # nothing to draw
    assert (tmp_path / "latency_over_time.png").read_bytes().startswith(PNG)


def _run_with_failures(directory: Path, failed: int, total: int = 200) -> RunMetrics:
    recorder = MetricsRecorder()
    for index in range(total):
        ok = index >= failed
        recorder.record(
            RequestResult("chat", 200 if ok else 0, ok, 0.0, 0.05, None if ok else "transport: X"),
            START,
        )
    write_json(
        directory / METRICS_FILE,
        {"run": {"started": START, "stopped": START + 1}, "metrics": recorder.snapshot()},
    )
    return read_metrics(directory, RunInfo(0.0, 0.0))


@pytest.mark.parametrize(("failed", "code"), [(2, 0), (3, 1)], ids=["1%", "1.5%"])
def test_without_slo_the_default_error_budget_is_the_gate(
    tmp_path: Path, failed: int, code: int
) -> None:
    metrics = _run_with_failures(tmp_path, failed)
    assert finish_report(metrics, list(DEFAULT_BUDGET), tmp_path) == code
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["slo"]["source"] == DEFAULT_BUDGET_SOURCE
    assert summary["slo"]["checked"] == ["requests", "error_rate"]
    out = io.StringIO()
    print_summary(tmp_path, Console(file=out, width=200))
    printed = out.getvalue()
    assert "SLO met" not in printed  # no SLO was checked
    assert "no --slo given; checked only the default error budget" in printed
    html = (tmp_path / "report.html").read_text()
    banner = html.split('id="banner"', 1)[1].split("</header>", 1)[0]
    assert "SLO met" not in banner  # the report says what the terminal says
    assert "no --slo given; checked only the default error budget" in banner
    assert ("error budget breached" if code else "error budget met") in banner
    if code:
        assert "error budget breached: error_rate = 0.015, above max 0.01" in printed
    else:
        assert "error budget met" in printed
