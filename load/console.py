"""Terminal output of a load run: a live progress line while Locust runs, a table at the end.

On a terminal the progress is rich's live bar; when stdout is not a terminal (a CI log) it is a
plain line every PROGRESS_S seconds instead, so a long job is never silent.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from routify_suite.load.files import read_json
from routify_suite.load.slo import DEFAULT_BUDGET_SOURCE

POLL_S = 0.5
PROGRESS_S = 10.0
"""Seconds between progress lines when stdout is not a terminal."""


def follow(
    process: subprocess.Popen[bytes],
    live_path: Path,
    run_time: int,
    deadline: float,
    err: Console,
    out: Console | None = None,
) -> int | None:
    """Show progress until ``process`` exits; its exit code, or None when past ``deadline`` s."""
    if out is not None and not out.is_terminal:
        return _follow_in_lines(process, live_path, deadline, out)
    started = time.monotonic()
    room = max(20, err.width - STATUS_RESERVED)
    with Progress(*live_columns(), console=err, transient=True) as progress:
        task = progress.add_task("load", total=run_time, status="starting Locust")
        while True:
            try:
                return process.wait(POLL_S)
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() - started > deadline:
                return None
            live = read_json(live_path)
            if live is not None:
                progress.update(
                    task,
                    completed=min(run_time, live.get("elapsed_s", 0)),
                    status=live_status(live, room),
                )


def _follow_in_lines(
    process: subprocess.Popen[bytes], live_path: Path, deadline: float, out: Console
) -> int | None:
    started = time.monotonic()
    shown = started
    while True:
        try:
            return process.wait(POLL_S)
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now - started > deadline:
            return None
        if now - shown >= PROGRESS_S:
            shown = now
            out.print(progress_line(read_json(live_path), now - started), highlight=False)


def _live_medians(live: dict[str, Any]) -> list[tuple[str, float]]:
    """The live TTFT and e2e medians the plugin reported so far, as (label, ms)."""
    return [
        (label, live[key])
        for key, label in (("ttft_p50_ms", "TTFT"), ("e2e_p50_ms", "e2e"))
        if live.get(key) is not None
    ]


def progress_line(live: dict[str, Any] | None, elapsed_s: float) -> str:
    """``load: 40 s elapsed, 1,234 requests, 2 errors, TTFT p50 212 ms, e2e p50 1,530 ms``."""
    if live is None:
        return f"load: {elapsed_s:.0f} s elapsed, starting Locust"
    medians = "".join(f", {label} p50 {value:,.0f} ms" for label, value in _live_medians(live))
    return (
        f"load: {live.get('elapsed_s', elapsed_s):.0f} s elapsed,"
        f" {live.get('requests', 0):,} requests, {live.get('failures', 0):,} errors{medians}"
    )


def live_columns() -> tuple[ProgressColumn, ...]:
    """The live line: label, a bar of fixed width, the status, the clock (never cut)."""
    return (
        TextColumn("[bold]load[/]"),
        BarColumn(bar_width=BAR_WIDTH),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )


BAR_WIDTH = 16
STATUS_RESERVED = len("load ") + BAR_WIDTH + len(" ") + len(" 0:00:00") + 2
"""Columns of the live line that are not the status text: its label, bar, clock and gaps."""


def live_status(live: dict[str, Any], room: int) -> str:
    """The live line's status, dropping its least useful parts until it fits ``room`` columns
    (at 80 columns the bar and the clock keep their width)."""
    parts = [
        f"{live.get('users', 0)} users",
        f"{live.get('requests', 0)} requests",
        f"{live.get('failures', 0)} failed",
        *(f"{label} p50 {value:.0f} ms" for label, value in _live_medians(live)),
    ]
    if live.get("workers"):
        parts.append(f"{live['workers']} workers")
    while len(parts) > 1 and len(" · ".join(parts)) > room:
        parts.pop()
    return " · ".join(parts)[:room]


def fit_parts(parts: list[str], width: int, joiner: str = " · ") -> list[str]:
    """``parts`` joined into as few lines of at most ``width`` columns as they allow."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1] + joiner + part) <= width:
            lines[-1] += joiner + part
        else:
            lines.append(part)
    return lines


def _figure(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    return f"{value:,}{unit}"


def print_summary(directory: Path, out: Console) -> None:
    """The key figures of ``summary.json`` and the SLO verdict."""
    summary = read_json(directory / "summary.json")
    if summary is None:
        return
    table = Table(title="routify-suite load", show_header=True, header_style="bold")
    for column in ("metric", "p50", "p90", "p95", "p99", "max"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for name in ("ttft_ms", "itl_ms", "e2e_ms", "tpot_ms", "schedule_lag_ms"):
        figures = summary.get(name) or {}
        if figures.get("count"):
            keys = ("p50", "p90", "p95", "p99", "max")
            table.add_row(name, *(_figure(figures.get(key)) for key in keys))
    out.print(table)
    totals = [
        f"requests {_figure(summary['requests'])}",
        f"failures {_figure(summary['failures'])} ({summary['error_rate']:.2%})",
        f"{_figure(summary['rps'])} req/s",
        f"{_figure(summary['output_tokens_per_s'])} output tokens/s",
        f"cost ${summary['cost_usd']:.6f}",
        f"{summary.get('interrupted', 0)} in flight at stop (not counted)",
    ]
    for line in fit_parts(totals, out.width):
        out.print(line, highlight=False, soft_wrap=True)
    workload = _workload_line(summary)
    if workload:
        out.print(workload, highlight=False, soft_wrap=True)
    if summary.get("missed"):
        out.print(
            f"[yellow]missed[/]: {summary['missed']:,} scheduled requests were never sent"
            " (the generator could not keep up)",
            highlight=False,
            soft_wrap=True,
        )
    if summary.get("reconnects"):
        out.print(
            f"reconnects {summary['reconnects']:,}: the server closed kept-alive connections;"
            " those requests went again on a new connection (not failures)",
            highlight=False,
            soft_wrap=True,
        )
    if summary.get("errors"):
        errors = ", ".join(f"{reason} ×{count}" for reason, count in summary["errors"].items())
        out.print(f"errors: {errors}", markup=False, highlight=False, soft_wrap=True)
    for note in summary.get("run", {}).get("notes", []):
        out.print(f"[yellow]note[/]: {note}", highlight=False, soft_wrap=True)
    _print_gate(summary["slo"], out)
    if summary.get("capacity_result"):
        out.print(summary["capacity_result"], markup=False, highlight=False, soft_wrap=True)
    out.print(f"report: {directory / 'report.html'}", highlight=False, soft_wrap=True)


def _workload_line(summary: dict[str, Any]) -> str:
    """Input and output tokens achieved against requested, and the tokenizer's gap."""
    parts = []
    for name in ("input_tokens", "output_tokens"):
        block = summary.get(name) or {}
        achieved = (block.get("achieved") or {}).get("mean")
        if achieved is None:
            continue
        requested = (block.get("requested") or {}).get("mean")
        wanted = f" (requested {requested:g})" if requested is not None else ""
        parts.append(f"{name} mean {achieved:,.1f}{wanted} by {block.get('source')}")
    server = (summary.get("server_prompt_tokens") or {}).get("mean")
    if summary.get("tokenizer") and server is not None:
        parts.append(f"tokenizer {summary['tokenizer']}; server prompt_tokens mean {server:,.1f}")
    return " · ".join(parts)


def _print_gate(slo: dict[str, Any], out: Console) -> None:
    """The verdict, naming what was checked: an SLO file, or only the default error budget."""
    checked = ", ".join(slo.get("checked", [])) or "nothing"
    source = slo.get("source", DEFAULT_BUDGET_SOURCE)
    if source == DEFAULT_BUDGET_SOURCE:
        name = "error budget"
        scope = f"no --slo given; checked only the {DEFAULT_BUDGET_SOURCE} ({checked})"
    else:
        name, scope = "SLO", f"{source}: {checked}"
    if slo["passed"]:
        out.print(f"[green]{name} met[/] ({scope})", highlight=False, soft_wrap=True)
    for breach in slo["breaches"]:
        out.print(
            f"[red]{name} breached[/]: {breach['message']} ({scope})",
            highlight=False,
            soft_wrap=True,
        )
