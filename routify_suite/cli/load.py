"""`routify-suite load`: Locust scenarios against a target (default: the reference server)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
from rich.console import Console

LOAD_EXTRA_MODULES = ("locust", "hdrh", "matplotlib", "geventhttpclient")
"""What ``pip install 'routify-suite[load]'`` brings; without it only ``load`` cannot run."""


@click.command("load")
@click.option(
    "--target",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Target file (the conformance format): base_url, keys.valid, models.default.",
)
@click.option("--base-url", help="Base URL before /chat/completions; overrides the target's.")
@click.option(
    "--scenario",
    type=click.Choice(["chat", "stream", "mixed"]),
    default="mixed",
    show_default=True,
    help="chat: non-streaming; stream: SSE; mixed: 3 streams to 1 chat.",
)
@click.option("--users", type=int, default=10, show_default=True, help="Concurrent users.")
@click.option("--spawn-rate", type=float, help="Users started per second [default: --users].")
@click.option("--run-time", default="60s", show_default=True, help="How long: 30s, 5m, 1h30m.")
@click.option(
    "--shape",
    default="constant",
    show_default=True,
    help="constant | step | spike | constant-arrival-rate[:REQ_PER_S] (default 1/s per user).",
)
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Local Locust worker processes."
)
@click.option(
    "--slo",
    type=click.Path(path_type=Path, dir_okay=False),
    help='SLO file: [slo] "ttft_ms.p95" = { max = 800 } ... decides the exit code.',
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports") / "load",
    show_default=True,
    help="Where summary.json, Locust's CSV/HTML and the plots go.",
)
@click.option(
    "--client",
    type=click.Choice(["fasthttp", "httpx"]),
    default="fasthttp",
    show_default=True,
    help="HTTP client of the simulated users.",
)
def load(
    target: Path | None,
    base_url: str | None,
    scenario: str,
    users: int,
    spawn_rate: float | None,
    run_time: str,
    shape: str,
    workers: int,
    slo: Path | None,
    report_dir: Path,
    client: str,
) -> int:
    """Run Locust headless and gate on an SLO.

    Without --target or --base-url it starts the reference server itself. Exit code: 0 SLO met,
    1 breached (without --slo: when no request succeeded), 2 usage or configuration error.
    """
    missing = [name for name in LOAD_EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        click.echo(
            f"routify-suite load: needs the load extra ({', '.join(missing)} not installed):"
            " pip install 'routify-suite[load]'",
            err=True,
        )
        return 2
    from routify_suite.load.run import LoadOptions, run_load

    options = LoadOptions(
        scenario=scenario,
        users=users,
        spawn_rate=spawn_rate,
        run_time=run_time,
        shape=shape,
        workers=workers,
        target=target,
        base_url=base_url,
        slo=slo,
        report_dir=report_dir,
        client=client,
    )
    return run_load(options, Console(), Console(stderr=True))
