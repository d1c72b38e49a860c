"""The load run's terminal output at 80 columns: the live line keeps its bar and clock, and the
closing figures wrap between figures instead of running on past the edge."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from routify_suite.load.console import STATUS_RESERVED, live_columns, live_status, print_summary

LIVE = {
    "users": 200,
    "requests": 123456,
    "failures": 12,
    "ttft_p50_ms": 212.4,
    "e2e_p50_ms": 1530.2,
    "workers": 4,
    "elapsed_s": 42,
}


def test_live_line_fits_80_columns_with_its_bar_and_clock() -> None:
    console = Console(width=80, file=io.StringIO(), force_terminal=True, color_system=None)
    progress = Progress(*live_columns(), console=console)
    status = live_status(LIVE, console.width - STATUS_RESERVED)
    progress.add_task("load", total=60, completed=42, status=status)
    console.print(progress.get_renderable())
    [line] = console.file.getvalue().rstrip("\n").splitlines()
    assert len(line) <= 80
    assert line.rstrip().endswith("0:00:00")  # the clock whole, not "0:0…"
    assert "━" * 10 in line  # the bar keeps its width
    assert status.startswith("200 users · 123456 requests · 12 failed")


def test_closing_figures_wrap_at_80_columns(tmp_path: Path) -> None:
    summary = {
        "requests": 123456,
        "failures": 12,
        "error_rate": 0.0001,
        "rps": 2057.6,
        "output_tokens_per_s": 164608.25,
        "cost_usd": 0.123456,
        "interrupted": 200,
        "slo": {"passed": True, "source": "slo.toml", "checked": ["e2e_ms.p95"], "breaches": []},
    }
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    out = io.StringIO()
    print_summary(tmp_path, Console(file=out, width=80))
    # The last line is the report's path, as long as the path is.
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("report: ")]
    assert lines, out.getvalue()
    assert max(len(line) for line in lines) <= 80, out.getvalue()
    assert "200 in flight at stop (not counted)" in out.getvalue()
