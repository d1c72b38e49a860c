"""A load comparison for people: a table in the terminal (a CI log, 100 columns, read once) and
one self-contained HTML page, both ending with the regression gate's verdicts.

The terminal shows p50, p95 and p99 of each latency, the throughputs, and every metric a rule
names; the page shows every statistic. A change is "+4.1 % [+2.0, +6.3]": the last run against
the first, and its 95 % bootstrap interval; red when a rule found it a regression.
"""

from __future__ import annotations

import time
from typing import Final, TextIO

from rich.table import Table
from rich.text import Text

from routify_suite.load.comparison import RESAMPLES, Change, Comparison, LoadRun, Row
from routify_suite.load.regression import Verdict
from routify_suite.report.html import asset, environment
from routify_suite.report.terminal import terminal_console

TERMINAL_STATS: Final = ("p50", "p95", "p99")


def _value(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def change_text(change: Change) -> str:
    if not change.known:
        return "—"
    return f"{change.percent:+.1f} % [{change.low:+.1f}, {change.high:+.1f}]"


def _style(change: Change, metric_name: str, regressed: set[str], last: bool) -> str:
    if last and metric_name in regressed:
        return "red bold"
    if change.known and change.low is not None and change.high is not None:
        return "" if change.low > 0 or change.high < 0 else "dim"
    return "dim"


def run_facts(run: LoadRun) -> dict[str, str]:
    summary = run.summary
    info = summary.get("run") or {}
    started = info.get("started")
    return {
        "directory": str(run.directory),
        "target": str(info.get("target") or "?"),
        "scenario": f"{info.get('scenario') or '?'}, {info.get('users') or '?'} users",
        "requests": f"{summary.get('requests', 0):,} ({run.records:,} records in window)",
        "duration": f"{summary.get('duration_s', 0):.1f} s",
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)) if started else "?",
    }


def _shown(row: Row, named: set[str]) -> bool:
    stat = row.metric.name.partition(".")[2]
    return not stat or stat in TERMINAL_STATS or row.metric.name in named


def print_comparison(
    comparison: Comparison, verdicts: list[Verdict], out: TextIO, width: int | None = None
) -> None:
    console = terminal_console(out, width)
    runs = comparison.runs
    heads = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in ("#", "run", "target", "requests", "duration"):
        heads.add_column(column, no_wrap=True, overflow="ellipsis", max_width=40)
    for number, run in enumerate(runs, 1):
        facts = run_facts(run)
        heads.add_row(str(number), run.name, facts["target"], facts["requests"], facts["duration"])
    console.print(heads)
    named = {verdict.rule.metric.name for verdict in verdicts}
    regressed = {v.rule.metric.name for v in verdicts if v.regressed}
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("metric", no_wrap=True)
    table.add_column("1", justify="right", no_wrap=True)
    for number in range(2, len(runs) + 1):
        table.add_column(str(number), justify="right", no_wrap=True)
        table.add_column(f"{number} vs 1 [95 % CI]", justify="right", no_wrap=True)
    for row in comparison.rows:
        if not _shown(row, named):
            continue
        cells: list[Text | str] = [row.metric.name, _value(row.values[0])]
        for index, (value, change) in enumerate(zip(row.values[1:], row.changes, strict=True)):
            last = index == len(row.changes) - 1
            cells += [
                _value(value),
                Text(change_text(change), style=_style(change, row.metric.name, regressed, last)),
            ]
        table.add_row(*cells)
    console.print(table)
    console.print(
        Text(
            f"Changes against run 1; 95 % intervals from {comparison.resamples:,} seeded"
            " resamples of each run's seconds (requests.jsonl).",
            style="dim",
        )
    )
    for verdict in verdicts:
        console.print(Text(verdict.message, style="red bold" if verdict.regressed else "green"))


def render_comparison(comparison: Comparison, verdicts: list[Verdict]) -> str:
    """The page: the runs, the gate's verdicts, then every metric side by side."""
    runs = comparison.runs
    regressed = [verdict for verdict in verdicts if verdict.regressed]
    if not verdicts:
        banner = ("none", "no regression gate", f"{len(runs)} load runs compared")
    elif regressed:
        why = f"{len(regressed)} of {len(verdicts)} rule(s) found run {len(runs)} worse than run 1"
        banner = ("fail", "regression", why)
    else:
        banner = ("pass", "no regression", f"{len(verdicts)} rule(s) held")
    names = {v.rule.metric.name for v in regressed}
    rows = []
    for row in comparison.rows:
        changes = [
            {
                "text": change_text(change),
                "style": _style(change, row.metric.name, names, index == len(row.changes) - 1),
            }
            for index, change in enumerate(row.changes)
        ]
        rows.append({"row": row, "figures": [_value(v) for v in row.values], "changes": changes})
    return (
        environment()
        .get_template("load_comparison.html.j2")
        .render(
            title="Routify load comparison: " + " vs ".join(run.name for run in runs),
            banner=banner,
            runs=[{"name": run.name, **run_facts(run)} for run in runs],
            verdicts=verdicts,
            rows=rows,
            resamples=RESAMPLES,
            css=asset("base.css"),
        )
    )
