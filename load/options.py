"""The options of one ``routify-suite load`` run and their checks, before anything starts.

Every bad option or combination is a :class:`UsageError` (one line, exit code 2) raised here,
so a typo costs nothing: no server, no Locust process, no request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from routify_suite.load.arrivals import ARRIVALS
from routify_suite.load.capacity import DEFAULT_MAX_STEPS, SweepError, parse_sweep
from routify_suite.load.workloads import (
    DEFAULT_ENCODING,
    WorkloadError,
    WorkloadSpec,
    check_workload,
)

SCENARIOS: Final = ("chat", "stream", "mixed")
SHAPES: Final = ("constant", "step", "spike", "constant-arrival-rate")


class UsageError(ValueError):
    """Bad options or files; one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class LoadOptions:
    scenario: str = "mixed"
    users: int = 10
    spawn_rate: float | None = None
    run_time: str = "60s"
    shape: str = "constant"
    workers: int = 0
    target: Path | None = None
    base_url: str | None = None
    api_key: str | None = None
    """The key (or env:NAME) overriding the target's; masked in every output."""
    model: str | None = None
    slo: Path | None = None
    report_dir: Path = Path("reports") / "load"
    client: str = "fasthttp"
    server_ttft_ms: float = 200.0
    """Pacing of the embedded reference server (no target): time to first token, ms; 0: none."""
    server_itl_ms: float = 20.0
    """Pacing of the embedded reference server: delay between tokens, ms; 0: none."""
    input_tokens: str = ""
    output_tokens: str = ""
    dataset: Path | None = None
    turns: int = 1
    ignore_eos: bool = False
    tokenizer: str = DEFAULT_ENCODING
    warmup: float | None = None
    """Seconds not measured at the start (default: 0, or 5 s per step of a sweep)."""
    capacity_tokens_per_s: float = 0.0
    max_concurrency: int = 0
    sweep: str | None = None
    find_max: bool = False
    min_capacity: float | None = None
    max_steps: int = DEFAULT_MAX_STEPS
    goodput: str = ""
    """Per-request maxima for goodput (``ttft_ms=800,...``), derived from the SLO."""
    server_metrics: str | None = None
    """A Prometheus endpoint to scrape during the run: a URL, or a path on the target's host."""
    server_metrics_interval: float = 1.0
    arrival: str = "constant"
    """The arrival process of an open-model run: constant, poisson or gamma."""
    rate: float | None = None
    """Requests/s of an open-model run (``--rate``; the same as constant-arrival-rate:R)."""
    burstiness: float = 1.0
    seed: int | None = None

    @property
    def searches(self) -> bool:
        return self.sweep is not None or self.find_max


def parse_timespan(text: str) -> int:
    """``90``, ``90s``, ``15m``, ``1h30m`` -> seconds (Locust's own syntax)."""
    match = re.fullmatch(r"\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?\s*", text)
    if not text.strip() or match is None:
        raise UsageError(f"--run-time: {text!r} is not a time span like 60s, 15m or 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise UsageError("--run-time must be at least 1 second")
    return total


def parse_shape(text: str) -> tuple[str, float]:
    """``NAME`` or ``constant-arrival-rate:RATE`` (requests/s; default one per user per second)."""
    name, _, rate_text = text.partition(":")
    if name not in SHAPES:
        raise UsageError(f"--shape: {name!r} is not one of {', '.join(SHAPES)}")
    if not rate_text:
        return name, 0.0
    if name != "constant-arrival-rate":
        raise UsageError(f"--shape: {name} takes no parameter (only constant-arrival-rate:RATE)")
    try:
        rate = float(rate_text)
    except ValueError:
        rate = 0.0
    if rate <= 0:
        raise UsageError(f"--shape: arrival rate {rate_text!r} must be a positive number")
    return name, rate


def check_options(options: LoadOptions) -> None:
    if options.scenario not in SCENARIOS:
        raise UsageError(f"--scenario: {options.scenario!r} is not one of {', '.join(SCENARIOS)}")
    if options.users < 1:
        raise UsageError("--users must be at least 1")
    if options.spawn_rate is not None and options.spawn_rate <= 0:
        raise UsageError("--spawn-rate must be positive")
    if options.workers < 0:
        raise UsageError("--workers cannot be negative")
    if options.server_ttft_ms < 0 or options.server_itl_ms < 0:
        raise UsageError("--server-ttft-ms and --server-itl-ms cannot be negative")
    if options.base_url is not None:
        check_url(options.base_url, "--base-url")
    if options.server_metrics is not None and not options.server_metrics.startswith("/"):
        check_url(options.server_metrics, "--server-metrics")
    if options.server_metrics_interval < 0.1:
        raise UsageError("--server-metrics-interval must be at least 0.1 seconds")
    try:
        check_workload(WorkloadSpec.from_options(options))
    except WorkloadError as error:
        raise UsageError(str(error)) from None
    check_search(options)
    check_arrivals(options)


def open_model_shape(options: LoadOptions) -> str:
    """The shape a run uses: ``--rate R`` is ``constant-arrival-rate:R``."""
    if options.rate is None:
        return options.shape
    return f"constant-arrival-rate:{options.rate:g}"


def check_arrivals(options: LoadOptions) -> None:
    """``--arrival`` / ``--rate`` / ``--burstiness`` against the shape."""
    if options.arrival not in ARRIVALS:
        raise UsageError(f"--arrival: {options.arrival!r} is not one of {', '.join(ARRIVALS)}")
    if options.rate is not None:
        if options.rate <= 0:
            raise UsageError("--rate must be a positive number of requests/s")
        if options.shape not in ("constant", "constant-arrival-rate"):
            raise UsageError(
                f"--rate sends at a rate; it does not combine with --shape {options.shape}"
            )
    open_model = parse_shape(open_model_shape(options))[0] == "constant-arrival-rate"
    if options.arrival != "constant" and not open_model:
        raise UsageError(f"--arrival {options.arrival} needs --rate R (requests/s)")
    if options.burstiness <= 0:
        raise UsageError("--burstiness must be positive (1 is Poisson, below 1 burstier)")
    if options.burstiness != 1.0 and options.arrival != "gamma":
        raise UsageError("--burstiness shapes gamma arrivals only: add --arrival gamma")


def check_search(options: LoadOptions) -> None:
    """``--sweep`` / ``--find-max`` / ``--min-capacity`` / ``--warmup`` combinations."""
    if options.warmup is not None and options.warmup < 0:
        raise UsageError("--warmup cannot be negative")
    if options.sweep is not None and options.find_max:
        raise UsageError("--sweep and --find-max exclude each other")
    if options.find_max and options.slo is None:
        raise UsageError("--find-max needs --slo FILE: the SLO decides what load is met")
    if options.min_capacity is not None and not options.searches:
        raise UsageError("--min-capacity needs --sweep or --find-max")
    if options.max_steps < 1:
        raise UsageError("--max-steps must be at least 1")
    if options.sweep is not None:
        try:
            parse_sweep(options.sweep)
        except SweepError as error:
            raise UsageError(str(error)) from None
    if options.searches and options.workers:
        raise UsageError("--sweep and --find-max run without --workers")


def check_url(url: str, where: str) -> str:
    """An http(s) base URL with a host; returned without any user:password part, for reports."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where}: {url!r} is not an http(s) URL like http://127.0.0.1:8080/v1")
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise UsageError(f"{where}: {url!r} has an invalid port") from None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
