"""The terminal's failure summary: one block per failing check id, read once in a CI log.

One deviation of the server usually fails the same check in many cases (a wrong
``usage.total_tokens`` fails every case that reads a completion). pytest would print one section
per case and one ``-ra`` line per case; this prints the check once: its id, level and rule,
expected vs got from the first case, how many cases, the first few node ids and request ids and
(when the run has one) the first case's reproducer. Every line fits ``width`` columns.
"""

from __future__ import annotations

import textwrap

from routify_suite.report.model import RunResult
from routify_suite.report.shell_wrap import wrap_shell
from routify_suite.report.view import FailureGroup, run_view

WIDTH = 100
FIRST = 3
"""Node ids and request ids named per check; the rest are in results.json and report.html."""


def _field(label: str, text: str, width: int) -> list[str]:
    """``  label: text`` wrapped under itself, at most four lines (the rest is in the report)."""
    head = f"  {label}: "
    lines = textwrap.wrap(
        " ".join(text.split()) or "-",
        width=width,
        initial_indent=head,
        subsequent_indent=" " * len(head),
        break_long_words=True,
        break_on_hyphens=False,
    )
    if len(lines) > 4:
        lines = [*lines[:3], textwrap.shorten(lines[3] + " …", width=width, placeholder=" …")]
    return lines


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def check_block(entry: FailureGroup, width: int = WIDTH) -> list[str]:
    """The lines of one failing check id."""
    count = len(entry.cases)
    cases = f"{count} case" + ("" if count == 1 else "s")
    level = f" ({entry.level})" if entry.level else ""
    lines = [_clip(f"FAILED {entry.check}{level}: {cases}", width)]
    lines += _field("rule", entry.rule, width)
    lines += _field("expected", entry.expected, width)
    lines += _field("got", entry.got, width)
    more = count - FIRST
    lines.append("  cases:" + (f" (first {FIRST} of {count})" if more > 0 else ""))
    lines += [_clip(f"    {case.id}", width) for case in entry.cases[:FIRST]]
    if entry.request_ids:
        shown = ", ".join(entry.request_ids[:FIRST])
        extra = len(entry.request_ids) - FIRST
        lines += _field("request ids", shown + (f" (+{extra} more)" if extra > 0 else ""), width)
    reproducer = getattr(entry.cases[0], "reproducer", "")
    if reproducer:
        lines.append("  reproduce (first case):")
        lines += wrap_shell(reproducer, width)
    return lines


def summary_lines(run: RunResult, width: int = WIDTH) -> list[str]:
    """Every failing check's block, then where the rest is; nothing when no case failed."""
    entries = run_view(run).failures  # the HTML report's groups, in its order
    lines: list[str] = []
    for entry in entries:
        lines += check_block(entry, width)
    non_strict = sorted(
        {
            str(f["check"])
            for case in run.cases
            if case.verdict == "non-strict"
            for f in case.findings
        }
    )
    if non_strict:
        lines += _field("non-strict (tolerated)", ", ".join(non_strict), width)
    if entries:
        lines.append("every case with its wire transcript: report.html; pytest's own detail: -v")
    return lines
