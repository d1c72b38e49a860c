"""The load generator checks itself: loop lag, CPU, GC and its own writes, and says so when a
pause of its own (or the machine's) may be inside the figures."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from routify_suite.load.console import print_summary
from routify_suite.load.files import KEY_ENV, REFERENCE_KEY
from routify_suite.load.health import GeneratorHealth
from routify_suite.load.histograms import record
from routify_suite.server import running_server

BLOCKING = Path(__file__).parent / "locustfiles" / "blocking_stream.py"


def test_figures_add_up_across_processes_and_name_the_longest_stall() -> None:
    master = GeneratorHealth()
    for role, lag_ms, cpu in (("worker-0", 1.0, 40.0), ("worker-1", 400.0, 95.0)):
        worker = GeneratorHealth()
        record(worker.lag, lag_ms)
        figures = worker.process(role)
        figures.update(cpu_sum=cpu * 2, cpu_samples=2, cpu_max=cpu, gc_max_ms=1.5, gc_pauses=3)
        if lag_ms > 100:
            worker.stalls.append({"at": 105.0, "ms": lag_ms, "process": role, "cause": "busy"})
        master.merge(worker.snapshot())
        master.merge(GeneratorHealth().snapshot())  # an empty report changes nothing
    summary = master.summary(started=100.0)
    assert summary["loop_lag_ms"]["count"] == 2
    assert summary["processes"]["worker-1"]["cpu_percent_mean"] == 95.0
    assert summary["processes"]["worker-0"]["gc_pauses"] == 3
    assert summary["stalls"] == [
        {"at": 105.0, "ms": 400.0, "process": "worker-1", "cause": "busy", "at_s": 5.0}
    ]
    warnings = " | ".join(summary["warnings"])
    assert "lagged" in warnings
    assert "longest 400 ms at 5 s on worker-1 (cause: busy)" in warnings
    assert "worker-1 used 95 % CPU" in warnings
    assert "worker-0" not in warnings


def test_a_quiet_run_has_no_warning() -> None:
    health = GeneratorHealth()
    for _ in range(1000):
        record(health.lag, 0.2)
    health.process("local").update(cpu_sum=30.0, cpu_samples=1, cpu_max=30.0)
    assert health.summary(0.0)["warnings"] == []


def test_a_user_blocking_the_loop_for_300_ms_is_reported_and_warned_about(
    tmp_path: Path,
) -> None:
    with running_server(ttft_ms=20, itl_ms=5) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(BLOCKING),
                "--headless",
                "--host",
                server.base_url,
                "--users",
                "4",
                "--spawn-rate",
                "4",
                "--run-time",
                "4s",
                "--metrics-dir",
                str(tmp_path),
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, KEY_ENV: REFERENCE_KEY},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    generator = json.loads((tmp_path / "summary.json").read_text())["generator"]
    assert generator["loop_lag_ms"]["max"] >= 250
    worst = max(generator["stalls"], key=lambda stall: stall["ms"])
    assert worst["ms"] >= 250
    assert worst["cause"] == "blocked"  # a blocking sleep: no CPU, no GC, no write, no queue
    assert 1.0 <= worst["at_s"] <= 4.0
    assert generator["processes"]["local"]["cpu_percent_mean"] is not None
    out = io.StringIO()
    print_summary(tmp_path, Console(file=out, width=100))
    assert "warning: the load generator stalled" in out.getvalue()
