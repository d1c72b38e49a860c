"""`routify-suite load`: Locust scenarios against a target (default: the reference server)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
from rich.console import Console

from routify_suite.cli.server_options import capacity_options, delay_option
from routify_suite.load.arrivals import ARRIVALS

LOAD_EXTRA_MODULES = (
    "locust",
    "hdrh",
    "matplotlib",
    "geventhttpclient",
    "bpe_openai",
    "tokenizers",
)
"""What ``pip install 'routify-suite[load]'`` brings; without it only ``load`` cannot run."""


@click.command("load")
@click.option(
    "--target",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Target file (the conformance format): base_url, keys.valid, models.default.",
)
@click.option("--base-url", help="Base URL before /chat/completions; overrides the target's.")
@click.option(
    "--api-key",
    help="Key overriding keys.valid (env:NAME reads a variable); reaches Locust only by env.",
)
@click.option("--model", help="Model overriding models.default.")
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
    "--rate",
    type=float,
    help="Open model: send REQ_PER_S requests/s whatever the latency (--users caps in flight).",
)
@click.option(
    "--arrival",
    type=click.Choice(ARRIVALS),
    default="constant",
    show_default=True,
    help="How --rate's requests arrive: evenly, as a Poisson process, or gamma (--burstiness).",
)
@click.option(
    "--burstiness",
    type=float,
    default=1.0,
    show_default=True,
    help="Gamma arrivals' shape: 1 is Poisson, below 1 burstier (gaps' CV = 1/sqrt(B)).",
)
@click.option(
    "--seed", type=int, help="Seed of the arrival schedule [default: drawn, kept in summary]."
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
@delay_option(
    "--server-ttft-ms", "Embedded server only: time to first token, in ms (0: none).", 200.0
)
@delay_option(
    "--server-itl-ms", "Embedded server only: delay between tokens, in ms (0: none).", 20.0
)
@click.option(
    "--input-tokens",
    default="",
    metavar="MEAN[,STDDEV]",
    help="Synthetic prompts of this many tokens (normal, clipped at 1), sized by --tokenizer.",
)
@click.option(
    "--output-tokens",
    default="",
    metavar="MEAN[,STDDEV]",
    help="max_tokens drawn per request (normal, clipped at 1).",
)
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines of {messages, max_tokens?} or ShareGPT conversations.",
)
@click.option(
    "--turns", type=int, default=1, show_default=True, help="Requests per multi-turn session."
)
@click.option(
    "--ignore-eos",
    is_flag=True,
    help="Send vLLM's ignore_eos: true and min_tokens (not in the Routify spec).",
)
@click.option(
    "--tokenizer",
    default="cl100k_base",
    show_default=True,
    help="cl100k_base, o200k_base (bpe-openai) or a Hugging Face tokenizer.json file (offline)"
    " that sizes and counts prompts.",
)
@click.option(
    "--warmup", type=float, help="Seconds not measured at the start [default: 0; 5 per step]."
)
@click.option(
    "--sweep",
    metavar="users=N,N,...|rate=R,R,...",
    help="One measured step per load level; summary.json gets capacity.",
)
@click.option(
    "--find-max",
    is_flag=True,
    help="Search (doubling, then bisecting) the highest --users (or arrival rate) meeting --slo.",
)
@click.option(
    "--min-capacity", type=float, help="With --sweep/--find-max: exit 1 below this capacity."
)
@click.option(
    "--max-steps", type=int, default=10, show_default=True, help="Most steps --find-max runs."
)
@click.option(
    "--server-metrics",
    metavar="URL|/PATH",
    help="Scrape this Prometheus endpoint during the run (a /PATH is on the target's host,"
    " e.g. /metrics); charted under the latency, kept in summary.json.",
)
@click.option(
    "--server-metrics-interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between two scrapes of --server-metrics.",
)
@capacity_options("Embedded server only. ")
def load(
    target: Path | None,
    base_url: str | None,
    api_key: str | None,
    model: str | None,
    scenario: str,
    users: int,
    spawn_rate: float | None,
    run_time: str,
    shape: str,
    rate: float | None,
    arrival: str,
    burstiness: float,
    seed: int | None,
    workers: int,
    slo: Path | None,
    report_dir: Path,
    client: str,
    server_ttft_ms: float,
    server_itl_ms: float,
    input_tokens: str,
    output_tokens: str,
    dataset: Path | None,
    turns: int,
    ignore_eos: bool,
    tokenizer: str,
    warmup: float | None,
    sweep: str | None,
    find_max: bool,
    min_capacity: float | None,
    max_steps: int,
    server_metrics: str | None,
    server_metrics_interval: float,
    capacity_tokens_per_s: float,
    max_concurrency: int,
) -> int:
    """Run Locust headless and gate on an SLO.

    Without --target or --base-url it starts the reference server itself, paced like a model
    (--server-ttft-ms, --server-itl-ms); --base-url without --target needs --api-key and
    --model. One request with the key and model goes first: a rejected key or an unserved model
    is one line and exit 2. Exit code: 0 SLO met, 1 breached (without --slo: when no request
    succeeded), 2 usage or configuration error. With --sweep or --find-max each step is
    --warmup then --run-time measured; exit 0 when a capacity was found (at least
    --min-capacity), 1 when not.
    """
    missing = [name for name in LOAD_EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        click.echo(
            f"routify-suite load: needs the load extra ({', '.join(missing)} not installed):"
            " pip install 'routify-suite[load]'",
            err=True,
        )
        return 2
    from routify_suite.load.options import LoadOptions
    from routify_suite.load.run import run_load

    options = LoadOptions(
        scenario=scenario,
        users=users,
        spawn_rate=spawn_rate,
        run_time=run_time,
        shape=shape,
        rate=rate,
        arrival=arrival,
        burstiness=burstiness,
        seed=seed,
        workers=workers,
        target=target,
        base_url=base_url,
        api_key=api_key,
        model=model,
        slo=slo,
        report_dir=report_dir,
        client=client,
        server_ttft_ms=server_ttft_ms,
        server_itl_ms=server_itl_ms,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        dataset=dataset,
        turns=turns,
        ignore_eos=ignore_eos,
        tokenizer=tokenizer,
        warmup=warmup,
        sweep=sweep,
        find_max=find_max,
        min_capacity=min_capacity,
        max_steps=max_steps,
        server_metrics=server_metrics,
        server_metrics_interval=server_metrics_interval,
        capacity_tokens_per_s=capacity_tokens_per_s,
        max_concurrency=max_concurrency,
    )
    return run_load(options, Console(), Console(stderr=True))
