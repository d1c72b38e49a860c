"""The matrix of several runs as a rich table, for the terminal."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from routify_suite.report.model import VERDICTS, RunResult

COLOURS = {
    "pass": "green",
    "fail": "red",
    "non-strict": "yellow",
    "not-exercised": "dim",
    "not-run": "dim",
}


def _cell(verdict: str, checks: list[str]) -> Text:
    text = verdict + (f" ({', '.join(checks)})" if checks else "")
    return Text(text, style=COLOURS.get(verdict, "white"))


def print_matrix(runs: list[RunResult], out: TextIO, only_differences: bool = False) -> None:
    """Counts per run, then every case whose verdict is not a pass everywhere."""
    console = Console(file=out, highlight=False, soft_wrap=False, width=200)
    summary = Table(title="Runs")
    summary.add_column("target")
    summary.add_column("profile")
    for verdict in VERDICTS:
        summary.add_column(verdict, justify="right")
    summary.add_column("wall time", justify="right")
    for run in runs:
        counts = run.counts()
        summary.add_row(
            Text(run.name),
            str(run.target.get("profile", "")),
            *(str(counts.get(v, 0)) for v in VERDICTS),
            f"{run.duration_s:.1f} s",
        )
    console.print(summary)
    by_run = [{case.id: case for case in run.cases} for run in runs]
    ids = sorted({case.id for run in runs for case in run.cases})
    matrix = Table(title="Cases not passing everywhere" if only_differences else "Cases")
    matrix.add_column("case", overflow="fold")
    for run in runs:
        matrix.add_column(Text(run.name))
    for case_id in ids:
        cases = [cases.get(case_id) for cases in by_run]
        if only_differences and all(c is not None and c.verdict == "pass" for c in cases):
            continue
        matrix.add_row(
            Text(case_id),
            *(Text("—") if c is None else _cell(c.verdict, c.failed_checks) for c in cases),
        )
    console.print(matrix)
