"""`routify-suite conformance`: the conformance suite against a target, as a CI gate.

Resolves and checks the target first (a bad file or an unreachable URL is one line and exit 2,
before pytest starts), starts the embedded reference server when no target or URL is given, then
runs the suite in-process with pytest and maps its outcome to 0 (conforms), 1 (a case failed)
or 2 (usage or configuration error).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

DEFAULT_REPORT_DIR = Path("reports") / "conformance"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
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
def _key_in_environment(api_key: str | None) -> Iterator[str | None]:
    if not api_key:
        yield None
        return
    previous = os.environ.get(KEY_VARIABLE)
    os.environ[KEY_VARIABLE] = api_key
    try:
        yield f"env:{KEY_VARIABLE}"
    finally:
        if previous is None:
            os.environ.pop(KEY_VARIABLE, None)
        else:
            os.environ[KEY_VARIABLE] = previous


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
    help="Seconds a stream may stall before its case fails.",
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
    profile: str | None,
    report_dir: Path,
    stream_idle_timeout: float,
    strict: bool,
    pytest_args: Sequence[str],
) -> int:
    """Run the conformance suite (routify-suite conformance [OPTIONS] [-- PYTEST ARGS]).

    Without --target and --base-url it checks the embedded reference server with
    fixtures/targets/local.toml. Exit 0: conforms; 1: a case failed; 2: usage or configuration.
    """
    from routify_suite.probe import probe
    from routify_suite.target import LOCAL_TARGET, TargetError, load_target

    path = target_file or LOCAL_TARGET
    try:
        target = load_target(path).with_overrides(
            base_url=base_url, api_key=api_key, profile=profile
        )
    except TargetError as error:
        return _fail(str(error))
    embedded = target_file is None and base_url is None
    try:
        with (
            _embedded_or(base_url, embedded) as url,
            _key_in_environment(api_key) as key_option,
        ):
            unreachable = probe(url or target.base_url)
            if unreachable:
                return _fail(unreachable)
            extra = ["--routify-strict", *pytest_args] if strict else pytest_args
            return _run_pytest(
                path, url, key_option, profile, report_dir, stream_idle_timeout, extra
            )
    except RuntimeError as error:  # the embedded server could not start
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)


def _run_pytest(
    path: Path,
    url: str | None,
    key_option: str | None,
    profile: str | None,
    report_dir: Path,
    idle: float,
    extra: Sequence[str],
) -> int:
    import pytest

    from routify_suite.paths import package_dir

    args = [
        str(package_dir("routify_suite.conformance")),
        # Test modules are imported without putting their folder on sys.path: the suite is only
        # ever imported as routify_suite.conformance, in a checkout and an installed wheel alike.
        "--import-mode=importlib",
        "--routify-target",
        str(path),
        "--routify-report-dir",
        str(report_dir),
        "--routify-stream-idle-timeout",
        f"{idle:g}",
        "-p",
        "no:cacheprovider",
        "-q",
        "-o",
        "junit_suite_name=routify-conformance",
        # httpx (and with it anyio) is imported before pytest starts; nothing to rewrite there.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if url:
        args += ["--routify-base-url", url]
    if key_option:
        args += ["--routify-api-key", key_option]
    if profile:
        args += ["--routify-profile", profile]
    status = pytest.main([*args, *extra])
    code = _exit_code(int(status))
    if code in (EXIT_OK, EXIT_FAILED):
        click.echo(f"reports: {report_dir}/junit.xml, results.json, report.html")
    return code
