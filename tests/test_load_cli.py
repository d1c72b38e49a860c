"""``routify-suite load`` end to end: short, small runs against the embedded reference server.

Each run starts real Locust processes (a few seconds each), so they are few: a local run that meets
its gate, a distributed run that breaches one, an unreachable URL, and the usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from routify_suite.cli import main
from routify_suite.load.processes import free_port
from routify_suite.server import RunningServer, running_server
from tests.mutation.relay import closing_relay

PLOTS = (
    "latency_over_time.png",
    "throughput_vs_users.png",
    "ttft_histogram.png",
    "itl_histogram.png",
    "e2e_histogram.png",
    "report.html",
)
TTFT_MS, ITL_MS = 40.0, 15.0
KEY = "rtf_local_valid"


def assert_no_key(out: str, report: Path) -> None:
    assert KEY not in out
    for path in report.iterdir():
        assert KEY.encode() not in path.read_bytes(), path.name


def read_summary(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "summary.json").read_text())


def test_stream_run_meets_its_slo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slo = tmp_path / "slo.toml"
    slo.write_text('[slo]\n"error_rate" = { max = 0 }\n"ttft_ms.p50" = { max = 5000 }\n')
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "stream", "--users", "3", "--run-time", "2s"]
    # A server that paces its tokens: timestamps taken per read, not per 4 KiB block, show it.
    with running_server(ttft_ms=TTFT_MS, itl_ms=ITL_MS) as server:
        code = main(
            [
                *arguments,
                "--base-url",
                server.base_url,
                "--api-key",
                KEY,
                "--model",
                "deepseek-v3.2",
                "--slo",
                str(slo),
                "--report-dir",
                str(report),
            ]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(report)
    assert summary["requests"] > 0
    assert summary["failures"] == 0
    assert summary["requests"] == summary["run"]["locust_requests"]
    assert summary["ttft_ms"]["count"] == summary["requests"]
    assert summary["itl_ms"]["count"] > 0
    # Generous bounds (a shared CPU), yet far from what block-buffered reads would give (ITL ~0).
    assert TTFT_MS * 0.8 < summary["ttft_ms"]["p50"] < TTFT_MS * 3
    assert ITL_MS * 0.5 < summary["itl_ms"]["p50"] < ITL_MS * 3
    assert summary["output_tokens_per_s"] > 0
    assert summary["token_counts"] == {"usage": summary["requests"]}
    assert sum(c["requests"] for c in summary["by_channel"].values()) == summary["requests"]
    assert summary["cost_usd"] > 0
    assert summary["slo"]["passed"] is True
    assert summary["slo"]["source"] == str(slo)
    assert summary["slo"]["checked"] == ["error_rate", "ttft_ms.p50"]
    assert summary["slo"]["breaches"] == []
    assert [(b["path"], b["passed"]) for b in summary["slo"]["bounds"]] == [
        ("error_rate", True),
        ("ttft_ms.p50", True),
    ]
    assert summary["slo"]["bounds"][1]["actual"] == summary["ttft_ms"]["p50"]
    for name in ("locust_stats.csv", "locust_stats_history.csv", "locust.html", *PLOTS):
        assert (report / name).stat().st_size > 0, name
    assert "SLO met" in out
    assert_no_key(out, report)


def test_distributed_run_merges_workers_and_breaches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "mixed", "--users", "4", "--run-time", "2s"]
    # The other client, and an arrival-rate schedule: both options must reach the workers.
    arguments += ["--client", "httpx", "--shape", "constant-arrival-rate:40"]
    unmeetable = Path(__file__).parent.parent / "fixtures" / "slo" / "unmeetable.toml"
    # An unpaced embedded server: this is about merging, and a 2 s run needs quick answers.
    arguments += ["--server-ttft-ms", "0", "--server-itl-ms", "0"]
    code = main(
        [*arguments, "--workers", "2", "--slo", str(unmeetable), "--report-dir", str(report)]
    )
    out = capsys.readouterr().out
    assert code == 1, out
    summary = read_summary(report)
    assert summary["run"]["workers"] == 2
    # Every request the workers' Locust counted reached the master's exact histograms.
    assert summary["requests"] == summary["run"]["locust_requests"] > 0
    assert summary["by_kind"]["stream"] > 0
    assert summary["by_kind"]["chat"] > 0
    assert summary["run"]["arrival_rate"] == 40.0
    assert summary["schedule_lag_ms"]["count"] == summary["requests"]  # each had a send time
    assert summary["slo"]["passed"] is False
    assert [b["path"] for b in summary["slo"]["breaches"]] == ["ttft_ms.p50"]
    assert "SLO breached: ttft_ms.p50" in out
    assert_no_key(out, report)


def test_unreachable_url_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the conformance gate: no Locust run against an endpoint nothing answers at."""
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    arguments = ["load", "--base-url", url, "--api-key", KEY, "--model", "m", "--run-time", "1s"]
    code = main([*arguments, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"routify-suite load: cannot reach {url}/chat/completions: ")
    assert not (tmp_path / "summary.json").exists()


def test_target_file_supplies_url_key_and_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOAD_TEST_KEY", KEY)
    with running_server() as server:
        target = tmp_path / "target.toml"
        target.write_text(
            f'name = "bench"\nbase_url = "{server.base_url}"\n'
            '[keys]\nvalid = "env:LOAD_TEST_KEY"\n[models]\ndefault = "deepseek-r2-pro"\n'
        )
        arguments = ["load", "--target", str(target), "--scenario", "chat", "--users", "2"]
        code = main([*arguments, "--run-time", "1s", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(tmp_path / "r")
    assert summary["failures"] == 0
    assert summary["run"]["model"] == "deepseek-r2-pro"
    assert summary["run"]["target"] == f"bench ({server.base_url})"
    assert_no_key(out, tmp_path / "r")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scenario", "soak"], "Invalid value for '--scenario'"),
        (["--run-time", "soon"], "--run-time: 'soon' is not a time span"),
        (["--shape", "ramp"], "--shape: 'ramp' is not one of"),
        (["--users", "0"], "--users must be at least 1"),
        (["--target", "/nonexistent/staging.toml"], "staging.toml"),
        (["--base-url", "localhost:8080/v1"], "--base-url: 'localhost:8080/v1' is not an http(s)"),
        (["--base-url", "http://127.0.0.1:99999/v1"], "has an invalid port"),
        (["--find-max"], "--find-max needs --slo"),
        (["--sweep", "users=1,2", "--find-max"], "exclude each other"),
        (["--sweep", "workers=3"], "--sweep: 'workers=3'"),
        (["--min-capacity", "3"], "--min-capacity needs"),
        (["--input-tokens", "lots"], "--input-tokens: 'lots'"),
        (["--turns", "0"], "--turns must be at least 1"),
        (["--dataset", "/nonexistent/data.jsonl"], "cannot read it"),
        (["--warmup", "-1"], "--warmup cannot be negative"),
    ],
    ids=[
        *("scenario", "run-time", "shape", "users", "target", "url-scheme", "url-port"),
        *("find-max-without-slo", "sweep-and-find-max", "sweep-dimension", "min-capacity"),
        *("input-tokens", "turns", "dataset", "warmup"),
    ],
)
def test_usage_errors(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["load", *arguments, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "summary.json").exists()


def test_bad_target_field_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "t.toml"
    target.write_text(
        'name = "x"\nbase_url = "http://127.0.0.1:9/v1"\n[keys]\n[models]\ndefault = "m"\n'
    )
    assert main(["load", "--target", str(target), "--report-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "keys.valid" in err
    assert err.count("\n") == 1


def test_server_closing_kept_alive_connections_costs_reconnects_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reference_server: RunningServer
) -> None:
    """Without --slo the default error budget gates the run; the closes are no errors."""
    root = reference_server.base_url.rsplit("/v1", 1)[0]
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "mixed", "--users", "2", "--run-time", "2s"]
    with closing_relay(root) as (url, relay):
        arguments += ["--base-url", f"{url}/v1", "--api-key", KEY, "--model", "deepseek-v3.2"]
        code = main([*arguments, "--report-dir", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(report)
    assert summary["requests"] > 0
    assert summary["failures"] == 0
    assert summary["errors"] == {}
    assert 0 < summary["reconnects"] <= relay.closed_reused
    assert summary["slo"]["source"] == "default error budget"
    assert "reconnects" in out
    assert "SLO met" not in out
    assert "error budget met" in out


def test_embedded_server_paces_like_a_model_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "stream", "--users", "3", "--run-time", "4s"]
    code = main([*arguments, "--report-dir", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = read_summary(report)
    assert "TTFT 200 ms, ITL 20 ms" in summary["run"]["target"]
    assert summary["requests"] > 0
    # The defaults (TTFT 200 ms, ITL 20 ms) show in what was measured, with a spread.
    assert 180 <= summary["ttft_ms"]["p50"] < 600
    assert 16 <= summary["itl_ms"]["p50"] < 60  # a ticker: a late gap is made up next
    assert summary["itl_ms"]["max"] > summary["itl_ms"]["p50"]
    page = (report / "report.html").read_text()
    assert 'id="chart-itl_histogram"' in page
    assert "report.html" in out
