"""The Locust command line for one run of ``routify-suite load``: files, run and workload options.

Kept apart from the run's driving (:mod:`routify_suite.load.run`): it is a pure function of the
options and the endpoint, and the capacity search builds one per step.
"""

from __future__ import annotations

from pathlib import Path

from routify_suite.load.options import LoadOptions, parse_shape
from routify_suite.load.workloads import DEFAULT_ENCODING
from routify_suite.paths import package_dir

LOAD_DIR = package_dir("routify_suite.load")


def locust_arguments(options: LoadOptions, base_url: str, model: str, run_time: int) -> list[str]:
    """Locust's arguments for one run (or capacity step) of ``run_time`` seconds."""
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
        base_url,
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
        model,
        "--client",
        options.client,
    ]
    if shape == "constant-arrival-rate":
        arguments += ["--arrival-rate", f"{rate or float(options.users):g}"]
        arguments += ["--arrival", options.arrival, "--burstiness", f"{options.burstiness:g}"]
        if options.seed is not None:
            arguments += ["--seed", str(options.seed)]
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
        tokenizer_file = Path(options.tokenizer)  # a tokenizer.json: absolute for Locust
        named = tokenizer_file.resolve() if tokenizer_file.is_file() else options.tokenizer
        arguments += ["--tokenizer", str(named)]
    if options.warmup:
        arguments += ["--warmup", f"{options.warmup:g}"]
    return arguments
