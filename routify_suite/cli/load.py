"""`routify-suite load`."""

import click

from routify_suite.cli._stub import not_yet_available


@click.command("load")
def load() -> int:
    """Not yet available."""
    return not_yet_available("load")
