"""The ``routify-suite`` command: one group, one module per sub-command.

``main(argv) -> int`` never raises for bad input and never calls ``sys.exit`` itself, so the CLI
is testable in-process; :func:`run` is the console-script wrapper that does exit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from routify_suite import __version__
from routify_suite.cli.conformance import conformance
from routify_suite.cli.init import init
from routify_suite.cli.load import load
from routify_suite.cli.report import report
from routify_suite.cli.serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="routify-suite")
def cli() -> None:
    """Conformance and load tests for the Routify Chat Completions API.

    Without a target, every sub-command runs against the embedded reference server.
    """


cli.add_command(serve)
cli.add_command(conformance)
cli.add_command(load)
cli.add_command(report)
cli.add_command(init)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="routify-suite", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
