"""The reference server's pacing and capacity options, shared by ``serve`` and ``load``.

``serve`` takes them as they are; ``load`` passes them to the server it embeds when it has no
target. One definition each, so the two commands cannot drift apart in range or meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

FC = TypeVar("FC", bound=Callable[..., object])


def delay_option(flag: str, help: str, default: float = 0.0) -> Callable[[FC], FC]:
    """A non-negative delay in milliseconds (``--ttft-ms`` / ``--itl-ms``)."""
    dest = flag.removeprefix("--").replace("-", "_")
    return click.option(
        flag, dest, default=default, show_default=True, type=click.FloatRange(min=0), help=help
    )


def capacity_options(prefix: str = "") -> Callable[[FC], FC]:
    """``--capacity-tokens-per-s`` and ``--max-concurrency``: the server's capacity model."""

    def decorate(command: FC) -> FC:
        command = click.option(
            "--max-concurrency",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help=f"{prefix}Capacity model: requests served at once, the rest queue in order."
            " 0: no limit.",
        )(command)
        return click.option(
            "--capacity-tokens-per-s",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            help=f"{prefix}Capacity model: tokens/s shared by all streams;"
            " ITL = max(itl, N/T). 0: off.",
        )(command)

    return decorate
