"""`routify-suite serve`: the reference server in the foreground.

Once it listens it prints exactly one line to stdout, ``Serving on http://HOST:PORT/v1``,
flushed, so another process (a benchmark, a CI job) can read the URL even with ``--port 0``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from routify_suite.cli.exits import EXIT_USAGE
from routify_suite.cli.server_options import capacity_options, delay_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 picks a free one.",
)
@delay_option("--ttft-ms", "Time to first token, in milliseconds.")
@delay_option("--itl-ms", "Delay between tokens, in milliseconds.")
@capacity_options()
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Accounts TOML file (default: the shipped fixtures/accounts/default.toml).",
)
def serve(
    host: str,
    port: int,
    ttft_ms: float,
    itl_ms: float,
    capacity_tokens_per_s: float,
    max_concurrency: int,
    accounts_file: Path | None,
) -> int:
    """Run the Routify reference server (routify-suite serve)."""
    from routify_suite.server.accounts import AccountsFileError, load_accounts
    from routify_suite.server.runner import (
        NotifyingServer,
        ServerStartError,
        bind_socket,
        build_config,
        tune_gc_for_serving,
    )
    from routify_suite.server.state import Settings

    try:
        accounts = load_accounts(accounts_file)
    except AccountsFileError as error:
        click.echo(f"routify-suite serve: {error}", err=True)
        return EXIT_USAGE
    settings = Settings(
        ttft_ms=ttft_ms,
        itl_ms=itl_ms,
        capacity_tokens_per_s=capacity_tokens_per_s,
        max_concurrency=max_concurrency,
    )
    config = build_config(host, port, accounts, settings)
    server = NotifyingServer(config, capture_signals=True)

    def announce(ready: NotifyingServer) -> None:
        shown = f"[{host}]" if ":" in host else host
        tune_gc_for_serving()
        sys.stdout.write(f"Serving on http://{shown}:{ready.bound_port}/v1\n")
        sys.stdout.flush()

    server.on_ready = announce
    try:
        sock = bind_socket(host, port)
    except ServerStartError as error:
        click.echo(f"routify-suite serve: {error}", err=True)
        return EXIT_USAGE
    with sock:
        server.run(sockets=[sock])
    return 0
