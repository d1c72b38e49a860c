"""Placeholder behaviour for sub-commands whose issue has not landed yet."""

import click

EXIT_USAGE = 2


def not_yet_available(name: str) -> int:
    """Say the sub-command is not available and return the usage exit code."""
    click.echo(f"routify-suite {name}: not yet available", err=True)
    return EXIT_USAGE
