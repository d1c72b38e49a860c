"""`routify-suite conformance`."""

import click

from routify_suite.cli._stub import not_yet_available


@click.command("conformance")
def conformance() -> int:
    """Not yet available."""
    return not_yet_available("conformance")
