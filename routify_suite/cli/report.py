"""`routify-suite report DIR...`: several runs side by side, one column per target."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from routify_suite.cli.exits import EXIT_FAILED, EXIT_USAGE


@click.command("report", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("reports") / "matrix.html",
    show_default=True,
    help="The HTML page to write (load runs: reports/comparison.html by default).",
)
@click.option("--all", "show_all", is_flag=True, help="List every check, not only differences.")
@click.option(
    "--fail-on-regression",
    "regression_rules",
    multiple=True,
    metavar="METRIC=PCT",
    help="Load runs: exit 1 when the last run is worse than the first beyond PCT and the 95 %"
    " interval (repeatable), e.g. ttft_ms.p50=10% or output_tokens_per_s=-5%.",
)
@click.pass_context
def report(
    ctx: click.Context,
    run_dirs: tuple[Path, ...],
    output: Path,
    show_all: bool,
    regression_rules: tuple[str, ...],
) -> int:
    """Render runs side by side (routify-suite report DIR...).

    Each DIR is a report directory of `routify-suite conformance` (or a results.json), or of
    `routify-suite load` (summary.json and requests.jsonl; the first run is the baseline).
    Writes a self-contained HTML page and prints the checks where the runs differ, or each load
    metric with its change and 95 % interval. Exit 0: every run conforms, or no load metric
    regressed; 1: a run failed, or a metric regressed; 2: a bad directory, file or option.
    """
    from routify_suite.cli.compare_load import compare_load, is_load_comparison

    if is_load_comparison(run_dirs):
        if ctx.get_parameter_source("output") is ParameterSource.DEFAULT:
            output = output.with_name("comparison.html")
        return compare_load(run_dirs, output, regression_rules)
    if regression_rules:
        click.echo("routify-suite report: --fail-on-regression applies to load runs", err=True)
        return EXIT_USAGE
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
