"""`routify-suite conformance`: the conformance suite against a target, as a CI gate.

Resolves and checks the target first, then probes it with one request (valid key, default
model): a bad file, an unreachable URL, a rejected key or a model the target does not serve is
one line and exit 2, before pytest starts and before any other request. Starts the embedded
reference server when no target or URL is given, then runs the suite in-process with pytest and
maps its outcome to 0 (conforms), 1 (a case failed or was not run) or 2 (usage or configuration).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from routify_suite.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from routify_suite.redact import Redactor
from routify_suite.target import Target

DEFAULT_REPORT_DIR = Path("reports") / "conformance"
KEY_VARIABLE = "ROUTIFY_SUITE_CONFORMANCE_API_KEY"
"""--api-key reaches the plugin through this variable, so the key is never in pytest's argv."""


def _fail(message: str) -> int:
    click.echo(f"routify-suite conformance: {message}", err=True)
    return EXIT_USAGE


@contextlib.contextmanager
def _embedded_or(base_url: str | None, embedded: bool) -> Iterator[str | None]:
    """The given base URL, or (``embedded``) the reference server's while the block runs."""
    if not embedded:
        yield base_url
        return
    from routify_suite.server import running_server

    with running_server() as server:
        yield server.base_url


@contextlib.contextmanager
def _in_environment(name: str, value: str | None) -> Iterator[str | None]:
    """``name`` set to ``value`` while the block runs (nothing when ``value`` is empty)."""
    if not value:
        yield None
        return
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield value
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def _key_in_environment(api_key: str | None) -> Iterator[str | None]:
    with _in_environment(KEY_VARIABLE, api_key) as key:
        yield f"env:{KEY_VARIABLE}" if key else None


def _exit_code(pytest_status: int) -> int:
    import pytest

    if pytest_status == pytest.ExitCode.OK:
        return EXIT_OK
    if pytest_status == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAILED
    if pytest_status == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED
    if pytest_status == pytest.ExitCode.NO_TESTS_COLLECTED:
        click.echo("routify-suite conformance: no case selected", err=True)
    return EXIT_USAGE


@click.command("conformance", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--target", "target_file", type=click.Path(path_type=Path), help="Target file.")
@click.option("--base-url", help="Base URL (before /chat/completions); overrides the target's.")
@click.option("--api-key", help="Key overriding keys.valid (env:NAME reads a variable).")
@click.option("--model", help="Model overriding models.default.")
@click.option("--profile", type=click.Choice(["routify", "openai"]), help="Override the profile.")
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_REPORT_DIR,
    show_default=True,
    help="Where junit.xml, results.json and report.html go (relative to the working directory).",
)
@click.option(
    "--stream-idle-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a stream may go silent, once its headers came, before its case fails.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    help="Exchanges in flight at once [default: the target's concurrency, else 12]; 1: in order.",
)
@click.option(
    "--max-time",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds for the whole run; cases not started by then are reported not run (exit 1).",
)
@click.option(
    "--fuzz",
    type=click.IntRange(0, 10_000),
    help="Add N generated valid and N generated invalid requests as cases [default: the "
    "target's fuzz, else 0].",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    help="Seed of the generated requests (the same seed draws the same ones) [default: the "
    "target's fuzz_seed, else one is picked and printed].",
)
@click.option(
    "--replay",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Run only the failing generated cases of an earlier run's results.json, with the "
    "bodies it reported.",
)
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Fail every non-strict finding too: the full OpenAI contract (docs/verdicts.md).",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def conformance(
    target_file: Path | None,
    base_url: str | None,
    api_key: str | None,
    model: str | None,
    profile: str | None,
    report_dir: Path,
    stream_idle_timeout: float,
    concurrency: int | None,
    max_time: float | None,
    fuzz: int | None,
    seed: int | None,
    replay: Path | None,
    strict: bool,
    pytest_args: Sequence[str],
) -> int:
    """Run the conformance suite (routify-suite conformance [OPTIONS] [-- PYTEST ARGS]).

    Without --target and --base-url it checks the embedded reference server with
    fixtures/targets/local.toml; --base-url without --target needs --api-key and --model.
    Exit 0: conforms; 1: a case failed or was not run; 2: usage or configuration.
    A failing run prints one block per failing check id; -- -v or -- -rA adds pytest's detail.
    """
    from routify_suite.conformance.plugin import PROBED_VARIABLE
    from routify_suite.target import LOCAL_TARGET, TargetError, resolve_target

    try:
        target = resolve_target(
            target_file, base_url=base_url, api_key=api_key, model=model, profile=profile
        )
    except TargetError as error:
        return _fail(Redactor([api_key or ""])(str(error)))
    if replay is not None:
        from routify_suite.conformance.fuzz import replay_cases

        try:
            replay_cases(str(replay))
        except ValueError as error:  # one line, before any server starts or request goes
            return _fail(f"--replay: {error}")
    embedded = target_file is None and base_url is None
    # The embedded server is checked with the local target (its keys), at the server's URL.
    options = RunOptions(
        target_file or (LOCAL_TARGET if embedded else None),
        model,
        profile,
        report_dir,
        stream_idle_timeout,
        concurrency,
        max_time,
        fuzz,
        seed,
        replay,
    )
    try:
        with (
            _embedded_or(base_url, embedded) as url,
            # The resolved key (an env:NAME read here), so the plugin never reads env: twice.
            _key_in_environment(target.keys["valid"] if api_key else None) as key_option,
        ):
            problem = _probe(url or target.base_url, target)
            if problem:
                return _fail(problem)
            extra = ["--routify-strict", *pytest_args] if strict else pytest_args
            with _in_environment(PROBED_VARIABLE, url or target.base_url):
                return _run_pytest(options, url, key_option, extra)
    except RuntimeError as error:  # the embedded server could not start
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The options that reach the plugin as --routify-... arguments."""

    target_file: Path | None
    model: str | None
    profile: str | None
    report_dir: Path
    idle: float
    concurrency: int | None
    max_time: float | None
    fuzz: int | None = None
    seed: int | None = None
    replay: Path | None = None


def _probe(base_url: str, target: Target) -> str | None:
    """One request with the valid key and the default model; a reason (redacted) or None."""
    from routify_suite.probe import probe

    problem = probe(base_url, key=target.keys["valid"], model=target.models["default"])
    return target.redactor()(problem) if problem else None


def _run_pytest(
    options: RunOptions, url: str | None, key_option: str | None, extra: Sequence[str]
) -> int:
    import pytest

    from routify_suite.paths import package_dir

    args = [
        str(package_dir("routify_suite.conformance")),
        # Test modules are imported without putting their folder on sys.path: the suite is only
        # ever imported as routify_suite.conformance, in a checkout and an installed wheel alike.
        "--import-mode=importlib",
        "--routify-report-dir",
        str(options.report_dir),
        "--routify-stream-idle-timeout",
        f"{options.idle:g}",
        "-p",
        "no:cacheprovider",
        "-q",
        "-o",
        "junit_suite_name=routify-conformance",
        # httpx (and with it anyio) is imported before pytest starts; nothing to rewrite there.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if options.target_file:
        args += ["--routify-target", str(options.target_file)]
    if url:
        args += ["--routify-base-url", url]
    if key_option:
        args += ["--routify-api-key", key_option]
    for flag, value in (
        ("--routify-model", options.model),
        ("--routify-profile", options.profile),
        ("--routify-concurrency", options.concurrency),
        ("--routify-max-time", options.max_time),
        ("--routify-fuzz", options.fuzz),
        ("--routify-fuzz-seed", options.seed),
        ("--routify-replay", options.replay),
    ):
        if value is not None:
            args += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    status = pytest.main([*args, *extra])
    return _exit_code(int(status))  # the plugin's summary already said where the reports are
