"""One ``routify-suite load`` run: server (when needed), Locust master and workers, report, gate.

Never imports Locust (it would monkey-patch this process); Locust runs as child processes and
leaves ``metrics.json`` for ``report.py``. Exit codes: 0 SLO met (without ``--slo``: the
default error budget), 1 breached, 2 usage error; with ``--sweep`` / ``--find-max`` (one Locust
run per step): 0 a capacity was found (reaching ``--min-capacity`` when given), 1 none.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from rich.console import Console

from routify_suite.load import console
from routify_suite.load.capacity import (
    Step,
    best_step,
    capacity_block,
    exit_code,
    find_max,
    goodput_bounds,
    parse_sweep,
    result_sentence,
    run_sweep,
)
from routify_suite.load.files import (
    CLI_ENV,
    KEY_ENV,
    LIVE_FILE,
    METRICS_FILE,
    REFERENCE_KEY,
    read_json,
)
from routify_suite.load.options import (
    LoadOptions,
    UsageError,
    check_options,
    check_url,
    parse_shape,
    parse_timespan,
)
from routify_suite.load.payload import DEFAULT_MODEL
from routify_suite.load.plots import write_capacity_plots
from routify_suite.load.processes import (
    ProcessError,
    ReferenceServer,
    free_port,
    start_locust,
    stop,
)
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.report import (
    MetricsFileError,
    finish_report,
    read_metrics,
    write_html_report,
)
from routify_suite.load.slo import DEFAULT_BUDGET_SOURCE, Bound, SLOError, load_slo
from routify_suite.load.summary import RunInfo, build_summary, write_summary
from routify_suite.load.target import TargetError, read_key, read_target
from routify_suite.load.workloads import (
    DEFAULT_ENCODING,
)
from routify_suite.paths import package_dir
from routify_suite.probe import probe
from routify_suite.redact import Redactor

FINISH_GRACE_S: Final = 90.0
"""Beyond the run time: worker start-up, ramp-down and report writing, then the run is cut."""
LOAD_DIR: Final = package_dir("routify_suite.load")
DEFAULT_BUDGET: Final = (Bound("requests", min=1), Bound("error_rate", max=0.01))
"""The gate without an SLO file: some requests, and at most 1 % of them failed."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_url: str
    api_key: str
    model: str
    label: str


def gate_source(options: LoadOptions) -> str:
    """What the gate's bounds come from: the SLO file, or the default error budget."""
    return str(options.slo) if options.slo else DEFAULT_BUDGET_SOURCE


def load_bounds(path: Path | None) -> list[Bound]:
    """The SLO file's bounds, checked against the paths every summary has."""
    if path is None:
        return list(DEFAULT_BUDGET)
    template = build_summary(MetricsRecorder(), RunInfo(0.0, 0.0))
    try:
        return load_slo(path, template)
    except SLOError as error:
        raise UsageError(str(error)) from None


@contextmanager
def endpoint(options: LoadOptions, logs: Path) -> Iterator[Endpoint]:
    """The target's URL, key and model; the reference server, started here, when no target.

    ``--base-url`` without a target needs ``--api-key`` and ``--model``: the reference server's
    key and model would only earn a run of 401s from anything else.
    """
    try:
        key = read_key(options.api_key, "--api-key") if options.api_key else None
    except TargetError as error:
        raise UsageError(str(error)) from None
    if options.target is not None:
        try:
            target = read_target(options.target)
        except TargetError as error:
            raise UsageError(str(error)) from None
        url = options.base_url or target.base_url
        label = f"{target.name or options.target} ({check_url(url, 'base_url')})"
        yield Endpoint(url, key or target.api_key, options.model or target.model, label)
        return
    if options.base_url:
        missing = [f for f, v in (("--api-key", key), ("--model", options.model)) if not v]
        if missing:
            raise UsageError(f"--base-url without --target needs {' and '.join(missing)}")
        label = check_url(options.base_url, "URL")
        yield Endpoint(options.base_url, str(key), str(options.model), label)
        return
    with ReferenceServer(
        logs / "server.log",
        ttft_ms=options.server_ttft_ms,
        itl_ms=options.server_itl_ms,
        capacity_tokens_per_s=options.capacity_tokens_per_s,
        max_concurrency=options.max_concurrency,
    ) as server:
        pacing = f"TTFT {options.server_ttft_ms:g} ms, ITL {options.server_itl_ms:g} ms"
        label = f"reference server ({server.base_url}, {pacing})"
        model = options.model or DEFAULT_MODEL
        yield Endpoint(server.base_url, key or REFERENCE_KEY, model, label)


def locust_arguments(options: LoadOptions, where: Endpoint, run_time: int) -> list[str]:
    shape, rate = parse_shape(options.shape)
    files = [
        str(LOAD_DIR / "scenarios" / f"{options.scenario}.py"),
        str(LOAD_DIR / "shapes" / f"{shape.replace('-', '_')}.py"),
    ]
    spawn_rate = options.spawn_rate or float(options.users)
    report = options.report_dir
    arguments = [
        "-f",
        ",".join(files),
        "--headless",
        "--host",
        where.base_url,
        "--users",
        str(options.users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "0",
        "--exit-code-on-error",
        "0",
        "--only-summary",
        "--csv",
        str(report / "locust"),
        "--csv-full-history",
        "--html",
        str(report / "locust.html"),
        "--metrics-dir",
        str(report),
        "--model",
        where.model,
        "--client",
        options.client,
    ]
    if shape == "constant-arrival-rate":
        arguments += ["--arrival-rate", f"{rate or float(options.users):g}"]
    return arguments + workload_arguments(options)


def workload_arguments(options: LoadOptions) -> list[str]:
    """The workload, warm-up and goodput options, as the plugin spells them."""
    arguments: list[str] = []
    for flag, value in (
        ("--input-tokens", options.input_tokens),
        ("--output-tokens", options.output_tokens),
        ("--dataset", str(options.dataset.resolve()) if options.dataset else ""),
        ("--goodput", options.goodput),
    ):
        if value:
            arguments += [flag, value]
    if options.turns != 1:
        arguments += ["--turns", str(options.turns)]
    if options.ignore_eos:
        arguments.append("--ignore-eos")
    if options.tokenizer != DEFAULT_ENCODING:
        arguments += ["--tokenizer", options.tokenizer]
    if options.warmup:
        arguments += ["--warmup", f"{options.warmup:g}"]
    return arguments


def run_load(options: LoadOptions, out: Console, err: Console) -> int:
    """Run the whole thing; return the exit code. Every failure is one line on ``err``."""
    redact = Redactor()
    try:
        check_options(options)
        run_time = parse_timespan(options.run_time)
        parse_shape(options.shape)
        bounds = load_bounds(options.slo)
        options.report_dir.mkdir(parents=True, exist_ok=True)
        for stale in (METRICS_FILE, LIVE_FILE):
            (options.report_dir / stale).unlink(missing_ok=True)
        if options.api_key and not options.api_key.startswith("env:"):
            redact.add(options.api_key)
        with endpoint(options, options.report_dir) as where:
            redact.add(where.api_key)
            problem = probe(where.base_url, key=where.api_key, model=where.model)
            if problem:
                raise UsageError(problem)
            if options.searches:
                code = search_capacity(options, where, run_time, bounds, out, err)
            else:
                info = _drive_locust(options, where, run_time, out, err)
        if not options.searches:
            metrics = read_metrics(options.report_dir, info)
            code = finish_report(metrics, bounds, options.report_dir, gate_source(options))
    except (UsageError, ProcessError, MetricsFileError, OSError) as error:
        err.print(
            f"routify-suite load: {redact(str(error))}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return 2
    console.print_summary(options.report_dir, out)
    return code


SWEEP_WARMUP_S: Final = 5.0


def search_capacity(
    options: LoadOptions,
    where: Endpoint,
    run_time: int,
    bounds: list[Bound],
    out: Console,
    err: Console,
) -> int:
    """Run the steps of ``--sweep`` or ``--find-max``; write the capacity into summary.json."""
    report = options.report_dir
    shape, start_rate = parse_shape(options.shape)
    if options.sweep is not None:
        dimension, values = parse_sweep(options.sweep)
    else:
        dimension = "rate" if shape == "constant-arrival-rate" else "users"
        values = []
    warmup = SWEEP_WARMUP_S if options.warmup is None else options.warmup
    goodput = ",".join(f"{name}={limit:g}" for name, limit in goodput_bounds(bounds).items())
    shutil.rmtree(report / "steps", ignore_errors=True)
    arrivals = shape == "constant-arrival-rate"

    def run_step(value: float) -> Step:
        name = f"{dimension}-{value:g}"
        directory = report / "steps" / name
        directory.mkdir(parents=True, exist_ok=True)
        if dimension == "users":
            level: dict[str, object] = {
                "users": int(value),
                "shape": "constant" if arrivals else shape,
            }
        else:
            level = {"shape": f"constant-arrival-rate:{value:g}"}
        step_options = replace(
            options, report_dir=directory, warmup=warmup, goodput=goodput, **level
        )
        info = _drive_locust(step_options, where, math.ceil(warmup) + run_time, out, err)
        source = gate_source(options)
        passed = finish_report(read_metrics(directory, info), bounds, directory, source) == 0
        summary = read_json(directory / "summary.json") or {}
        breaches = summary.get("slo", {}).get("breaches", [])
        verdict = "met" if passed else "missed: " + "; ".join(b["message"] for b in breaches)
        gate = "SLO" if options.slo else "error budget"
        err.print(f"step {dimension}={value:g}: {gate} {verdict}", markup=False, highlight=False)
        return Step(value, passed, summary, str(directory.relative_to(report)))

    if options.sweep is not None:
        steps = run_sweep(values, run_step)
    else:
        start = start_rate if dimension == "rate" and start_rate else float(options.users)
        steps = find_max(start, dimension == "users", run_step, options.max_steps)
    capacity = capacity_block(dimension, steps)
    best = best_step(steps) or max(steps, key=lambda step: step.value)
    summary = dict(best.summary)
    summary["capacity"] = capacity
    summary["capacity_result"] = result_sentence(capacity, bounds, options.scenario)
    write_summary(summary, report)
    for picture in report.glob("*.png"):
        picture.unlink()
    # report.html of the whole search: the best step's figures and charts, the capacity table.
    best_run = read_metrics(report / best.directory, RunInfo(0.0, 0.0))
    write_html_report(summary, best_run.recorder, best_run.run.started, report)
    write_capacity_plots(capacity, report)
    return exit_code(capacity, options.min_capacity)


def _drive_locust(
    options: LoadOptions, where: Endpoint, run_time: int, out: Console, err: Console
) -> RunInfo:
    report = options.report_dir
    arguments = locust_arguments(options, where, run_time)
    secrets = {KEY_ENV: where.api_key, CLI_ENV: "1"}
    shape, rate = parse_shape(options.shape)
    info = RunInfo(
        started=time.time(),
        stopped=0.0,
        scenario=options.scenario,
        shape=shape,
        users=options.users,
        workers=options.workers,
        target=where.label,
        model=where.model,
        client=options.client,
        arrival_rate=rate,
    )
    (report / "locust.log").unlink(missing_ok=True)
    with ExitStack() as children:
        if options.workers:
            port = free_port()
            master_arguments = [
                *arguments,
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--expect-workers",
                str(options.workers),
                "--expect-workers-max-wait",
                "30",
            ]
            master = start_locust(master_arguments, report / "locust.log", secrets)
            children.callback(stop, master)
            worker_arguments = [
                "-f",
                arguments[1],
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
            ]
            for index in range(options.workers):
                worker = start_locust(worker_arguments, report / f"worker-{index}.log", secrets)
                children.callback(stop, worker)
        else:
            master = start_locust(arguments, report / "locust.log", secrets)
            children.callback(stop, master)
        deadline = run_time + FINISH_GRACE_S + (30 if options.workers else 0)
        code = console.follow(master, report / LIVE_FILE, run_time, deadline, err, out)
        if code is None:
            raise ProcessError(f"Locust did not finish within {deadline:g} s; stopped it")
    if not (report / METRICS_FILE).exists():
        raise ProcessError(
            f"Locust exited with code {code} and wrote no metrics;"
            f" see {report / 'locust.log'}: {_last_line(report / 'locust.log')}"
        )
    return replace(info, stopped=time.time())


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""
