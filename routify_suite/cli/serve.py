"""`routify-suite serve`."""

import click

from routify_suite.cli._stub import not_yet_available


@click.command("serve")
def serve() -> int:
    """Not yet available."""
    return not_yet_available("serve")
