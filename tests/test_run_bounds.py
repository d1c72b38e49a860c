"""A run bounded in time and visible in CI logs: --max-time, and progress lines off a terminal."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from routify_suite.cli import main
from routify_suite.load import console
from routify_suite.load.files import write_json


def test_cases_not_started_by_max_time_are_not_run_and_fail_the_run(tmp_path: Path) -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = main(["conformance", "--max-time", "0.001", "--report-dir", str(tmp_path)])
    assert code == 1, output.getvalue()[-2000:]
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["counts"]["not-run"] == len(document["cases"]) >= 200
    assert "--max-time 0.001 s was reached" in document["cases"][0]["message"]


def test_load_prints_progress_lines_when_stdout_is_no_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "PROGRESS_S", 0.0)
    live = tmp_path / "live.json"
    write_json(
        live,
        {
            "elapsed_s": 12,
            "requests": 1234,
            "failures": 2,
            "ttft_p50_ms": 210.4,
            "e2e_p50_ms": 1530,
        },
    )
    out = io.StringIO()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.2)"])
    code = console.follow(process, live, 5, 30, Console(file=io.StringIO()), Console(file=out))
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines
    assert lines[0] == (
        "load: 12 s elapsed, 1,234 requests, 2 errors, TTFT p50 210 ms, e2e p50 1,530 ms"
    )


def test_load_progress_line_before_locust_reports() -> None:
    assert console.progress_line(None, 3.2) == "load: 3 s elapsed, starting Locust"
