"""`routify-suite report`."""

import click

from routify_suite.cli._stub import not_yet_available


@click.command("report")
def report() -> int:
    """Not yet available."""
    return not_yet_available("report")
