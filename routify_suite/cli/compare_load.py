"""`routify-suite report` on load report directories: the comparison and the regression gate.

Kept apart from the conformance side of ``report`` (cli/report.py only hands over). Exit 0: no
rule found a regression (or none was given); 1: the last run regressed under a rule; 2: a usage
error (a bad rule, a directory without requests.jsonl, a conformance run among load runs).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from routify_suite.cli.exits import EXIT_FAILED, EXIT_USAGE

EXIT_REGRESSED = EXIT_FAILED


def is_load_report(path: Path) -> bool:
    """A load report directory (summary.json, no results.json) or a summary.json itself."""
    if path.is_dir():
        return (path / "summary.json").is_file() and not (path / "results.json").is_file()
    return path.name == "summary.json"


def is_load_comparison(run_dirs: tuple[Path, ...]) -> bool:
    """Whether any directory is a load run (then all must be: checked by :func:`compare_load`)."""
    return any(is_load_report(path) for path in run_dirs)


def compare_load(run_dirs: tuple[Path, ...], output: Path, rules: tuple[str, ...]) -> int:
    if importlib.util.find_spec("numpy") is None:
        return _usage("comparing load runs needs the load extra: pip install 'routify-suite[load]'")
    from routify_suite.load.comparison import ComparisonError, compare, name_runs, read_run
    from routify_suite.load.comparison_report import print_comparison, render_comparison
    from routify_suite.load.regression import judge, parse_rule

    mixed = [str(path) for path in run_dirs if not is_load_report(path)]
    if mixed:
        return _usage(
            f"{mixed[0]} is not a load run (no summary.json); conformance and load runs"
            " are compared separately"
        )
    try:
        parsed = [parse_rule(rule) for rule in rules]
        runs = [read_run(path) for path in run_dirs]
    except ComparisonError as error:
        return _usage(str(error))
    if len(runs) < 2 and parsed:
        return _usage("--fail-on-regression needs two or more load runs: the first is the baseline")
    name_runs(runs)
    comparison = compare(runs)
    changes = {row.metric.name: row.changes[-1] for row in comparison.rows if row.changes}
    verdicts = [judge(rule, changes[rule.metric.name]) for rule in parsed]
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_comparison(comparison, verdicts), encoding="utf-8")
    except OSError as error:
        return _usage(f"cannot write {output}: {error.strerror}")
    print_comparison(comparison, verdicts, sys.stdout)
    click.echo(f"comparison: {output}")
    return EXIT_REGRESSED if any(verdict.regressed for verdict in verdicts) else 0


def _usage(message: str) -> int:
    click.echo(f"routify-suite report: {message}", err=True)
    return EXIT_USAGE
