"""`routify-suite report DIR...`: several runs side by side, one column per target."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_FAILED, EXIT_USAGE = 1, 2


@click.command("report", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("reports") / "matrix.html",
    show_default=True,
    help="The HTML matrix to write.",
)
@click.option("--all", "show_all", is_flag=True, help="List every check, not only differences.")
def report(run_dirs: tuple[Path, ...], output: Path, show_all: bool) -> int:
    """Render runs' results.json side by side (routify-suite report DIR...).

    Each DIR is a report directory of `routify-suite conformance` (or a results.json).
    Writes a self-contained HTML matrix and prints the checks where the runs differ.
    Exit 0: every run conforms; 1: a run failed; 2: a bad directory or file.
    """
    from routify_suite.report.html import render_matrix
    from routify_suite.report.model import ResultsError, load_run
    from routify_suite.report.terminal import print_matrix

    try:
        runs = [load_run(path) for path in run_dirs]
    except ResultsError as error:
        click.echo(f"routify-suite report: {error}", err=True)
        return EXIT_USAGE
    names = [run.name for run in runs]
    for run, path in zip(runs, run_dirs, strict=True):
        if names.count(run.name) > 1:  # two runs of one target: tell the columns apart
            run.target = {**run.target, "name": f"{run.name} ({path.name or path})"}
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_matrix(runs), encoding="utf-8")
    except OSError as error:
        click.echo(f"routify-suite report: cannot write {output}: {error.strerror}", err=True)
        return EXIT_USAGE
    print_matrix(runs, sys.stdout, only_differences=not show_all)
    click.echo(f"matrix: {output}")
    return EXIT_FAILED if any(run.failed for run in runs) else 0
