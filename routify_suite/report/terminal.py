"""Runs in the terminal: one line per run, then check ids (not node ids) where the runs differ.

Widths come from the terminal (rich reads it, or ``COLUMNS``; 80 when there is none), and no
cell wraps: check ids keep their width, target names and figures are cut with an ellipsis. When
the runs agree, one line says so instead of an empty table.
"""

from __future__ import annotations

import os
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from routify_suite.report.model import VERDICTS, RunResult
from routify_suite.report.view import Matrix, build_matrix, run_view, verdict_in_row

COLOURS = {
    "pass": "green",
    "fail": "red",
    "non-strict": "yellow",
    "not-exercised": "dim",
    "not-run": "dim",
}
SHORT = {
    "pass": "pass",
    "fail": "fail",
    "non-strict": "n-s",
    "not-exercised": "n-e",
    "not-run": "n-r",
}


CI_LOG_WIDTH = 100
"""The width a table gets when it is not written to a terminal (a CI log) and COLUMNS is unset."""


def terminal_console(out: TextIO, width: int | None = None) -> Console:
    """A console for tables: the given width, else the terminal's, else a CI log's 100
    columns (rich would fall back to 80 and cut columns that fit in a CI log)."""
    if width is None and "COLUMNS" not in os.environ and not _is_terminal(out):
        width = CI_LOG_WIDTH
    return Console(file=out, highlight=False, soft_wrap=False, width=width)


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def _runs_table(runs: list[RunResult]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    if len(runs) > 1:
        table.add_column("#", justify="right", no_wrap=True)
    table.add_column("target", no_wrap=True, overflow="ellipsis", max_width=28)
    table.add_column("profile", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for verdict in VERDICTS:
        table.add_column(SHORT[verdict], justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for number, run in enumerate(runs, 1):
        view = run_view(run)
        counts = run.counts()
        table.add_row(
            *([str(number)] if len(runs) > 1 else []),
            Text(run.name),
            Text(_profile(run)),
            Text(view.verdict, style="green" if view.conforms else "red bold"),
            *(Text(str(counts.get(v, 0)), style=COLOURS[v]) for v in VERDICTS),
            f"{run.duration_s:.1f}s",
        )
    return table


def _profile(run: RunResult) -> str:
    profile = str(run.target.get("profile") or "?")
    return profile + (" strict" if run.target.get("strict") else "")


def _row_cell(run: RunResult, row: str) -> Text:
    """``fail 1/6`` or ``n-s 2/6`` when some case failed or was tolerated, else the count of
    each verdict (``pass 5 n-e 1``), so two runs that differ never print alike."""
    verdicts = [verdict_in_row(case, row) for case in run.cases if row in case.rows]
    if not verdicts:
        return Text("—", style="dim")
    for verdict in ("fail", "non-strict"):
        if verdict in verdicts:
            return Text(
                f"{SHORT[verdict]} {verdicts.count(verdict)}/{len(verdicts)}",
                style=COLOURS[verdict],
            )
    counts = [(v, verdicts.count(v)) for v in VERDICTS if v in verdicts]
    text = " ".join(f"{SHORT[v]} {n}" for v, n in counts)
    return Text(text, style="green" if counts[0][0] == "pass" else "dim")


def _where(matrix: Matrix, row: str) -> Text:
    """The kinds of exchange where the runs differ, each with its verdict per run
    (``tool-call pass/n-e``; ``-`` where a run has no case)."""
    parts = []
    for column in matrix.columns:
        verdicts = [cells.get((row, column)) for cells in matrix.cells]
        shown = [SHORT[cell.verdict] if cell else "-" for cell in verdicts]
        if len(set(shown)) > 1:
            parts.append(f"{column} {'/'.join(shown)}")
    return Text(", ".join(parts))


def _differences(
    runs: list[RunResult], matrix: Matrix, only_differences: bool, width: int
) -> Table | None:
    failed = {check for run in runs for case in run.cases for check in case.failed_checks}

    def shown(row: str) -> bool:
        if not only_differences:
            return True
        return matrix.differs(row) if len(runs) > 1 else row in failed

    rows = [row for row in matrix.rows if shown(row)]
    if not rows:
        return None
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    check_width = max(len(row) for row in rows)
    table.add_column("check", no_wrap=True, width=check_width)
    several = len(runs) > 1
    # What is left after the check ids and the gaps, shared by the runs (and, with several
    # runs, the column naming where they differ).
    share = max(9, (width - check_width - 2 * len(runs)) // (len(runs) + several))
    if several:
        share = min(share, 16)
    for number, run in enumerate(runs, 1):
        label = run.name if not several else f"{number} {run.name}"
        table.add_column(
            Text(label), no_wrap=True, overflow="ellipsis", justify="right", max_width=share
        )
    if several:
        table.add_column("differs in", no_wrap=True, overflow="ellipsis")
    for row in rows:
        where = [_where(matrix, row)] if several else []
        table.add_row(Text(row), *(_row_cell(run, row) for run in runs), *where)
    return table


def print_matrix(
    runs: list[RunResult], out: TextIO, only_differences: bool = False, width: int | None = None
) -> None:
    """One line per run, then the check ids whose verdicts differ between the runs (one run:
    those that failed); every row with ``only_differences=False``."""
    console = terminal_console(out, width)
    console.print(_runs_table(runs))
    matrix = build_matrix(runs)
    table = _differences(runs, matrix, only_differences, console.width)
    if table is None:
        if len(runs) > 1:
            console.print(
                f"The {len(runs)} runs agree on every check "
                f"({len(matrix.rows)} checks × {len(matrix.columns)} kinds of exchange)."
            )
        return
    title = "checks where the runs differ" if len(runs) > 1 else "failed checks"
    console.print(Text(("every check" if not only_differences else title) + ":", style="bold"))
    console.print(table)
