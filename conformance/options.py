"""The conformance plugin's options: the ``--routify-...`` table, its ini twins, and readers.

Every option is read here, a command-line value first, else its ini twin, else the default; a
bad value is a one-line ``pytest.UsageError``. The plugin registers the table and the suite's
conftest reads the values, both through this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from routify_suite.conformance.fuzz import FuzzSettings
    from routify_suite.target import Target

# (flag, dest/ini name, default, help); each option has an ini twin of the same name.
OPTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    (
        "--routify-target",
        "routify_target",
        None,
        "target file (TOML); default: the embedded server",
    ),
    ("--routify-base-url", "routify_base_url", None, "base URL overriding the target's base_url"),
    ("--routify-api-key", "routify_api_key", None, "key overriding keys.valid (or env:NAME)"),
    ("--routify-model", "routify_model", None, "model overriding models.default"),
    (
        "--routify-profile",
        "routify_profile",
        None,
        "routify | openai (overrides the target's profile)",
    ),
    (
        "--routify-stream-idle-timeout",
        "routify_stream_idle_timeout",
        "10",
        "seconds a stream may go silent after its headers",
    ),
    (
        "--routify-request-timeout",
        "routify_request_timeout",
        "30",
        "read timeout of a plain request, and of a stream until its headers",
    ),
    (
        "--routify-connect-timeout",
        "routify_connect_timeout",
        "5",
        "connect timeout of every request",
    ),
    (
        "--routify-concurrency",
        "routify_concurrency",
        None,
        "exchanges in flight at once (default: the target's concurrency, else 12; 1: in order)",
    ),
    (
        "--routify-max-time",
        "routify_max_time",
        None,
        "seconds for the whole run; cases not started by then are reported not run",
    ),
    (
        "--routify-fuzz",
        "routify_fuzz",
        None,
        "add N generated valid and N generated invalid requests as cases (default: the "
        "target's fuzz, else 0)",
    ),
    (
        "--routify-fuzz-seed",
        "routify_fuzz_seed",
        None,
        "seed of the generated requests (default: the target's fuzz_seed, else one is picked "
        "and printed)",
    ),
    (
        "--routify-replay",
        "routify_replay",
        None,
        "results.json of an earlier run: run only its failing generated cases, with the "
        "bodies it reported",
    ),
    (
        "--routify-report-dir",
        "routify_report_dir",
        None,
        "where junit.xml, results.json, report.html go",
    ),
)

MAX_CONCURRENCY = 64
MAX_FUZZ = 10_000
MAX_SEED = 2**32 - 1
SUITE_DIR = Path(__file__).resolve().parent
"""The folder of the suite's test modules (routify_suite.conformance)."""


def add_options(parser: pytest.Parser) -> None:
    """The ``routify`` group: every option of the table with its ini twin, and --routify-strict."""
    group = parser.getgroup("routify", "Routify conformance suite")
    for flag, dest, default, text in OPTIONS:
        group.addoption(flag, dest=dest, default=None, help=text)
        parser.addini(dest, help=text, default=default)
    strict = "fail every non-strict finding too (the full OpenAI contract)"
    group.addoption("--routify-strict", dest="routify_strict", action="store_true", help=strict)
    parser.addini("routify_strict", help=strict, type="bool", default=False)


def option(config: pytest.Config, dest: str) -> str | None:
    """A command-line value, else its ini twin, else the default."""
    value = config.getoption(dest)
    if value is None:
        value = config.getini(dest) or None
    return value


def seconds(config: pytest.Config, dest: str) -> float:
    raw = option(config, dest)
    try:
        value = float(raw or "nan")
    except ValueError:
        value = float("nan")
    if not value > 0:
        flag = "--" + dest.replace("_", "-")
        raise pytest.UsageError(f"{flag}: {raw!r} is not a positive number of seconds")
    return value


def concurrency(config: pytest.Config) -> int | None:
    """--routify-concurrency (or its ini twin); None: the target's own setting."""
    raw = option(config, "routify_concurrency")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise pytest.UsageError(
            f"--routify-concurrency: {raw!r} is not a whole number from 1 to {MAX_CONCURRENCY}"
        )
    return value


def max_time(config: pytest.Config) -> float | None:
    """--routify-max-time in seconds, or None for no limit."""
    return seconds(config, "routify_max_time") if option(config, "routify_max_time") else None


def strict_option(config: pytest.Config) -> bool | None:
    """True from --routify-strict or ini routify_strict; None leaves the target file's value."""
    return True if config.getoption("routify_strict") or config.getini("routify_strict") else None


def resolve_target(config: pytest.Config, base_url: str | None = None) -> Target:
    """The target the options name, with overrides; a bad one is a one-line usage error.

    ``base_url`` is the embedded server's: its target is the local one unless a file is named.
    """
    from routify_suite.target import LOCAL_TARGET, TargetError
    from routify_suite.target import resolve_target as resolve

    path = option(config, "routify_target") or (LOCAL_TARGET if base_url else None)
    try:
        return resolve(
            path,
            base_url=base_url or option(config, "routify_base_url"),
            api_key=option(config, "routify_api_key"),
            model=option(config, "routify_model"),
            profile=option(config, "routify_profile"),
            concurrency=concurrency(config),
            strict=strict_option(config),
        )
    except TargetError as error:
        raise pytest.UsageError(str(error)) from None


def _whole_number(config: pytest.Config, dest: str, low: int, high: int) -> int | None:
    raw = option(config, dest)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        flag = "--" + dest.replace("_", "-")
        raise pytest.UsageError(f"{flag}: {raw!r} is not a whole number from {low} to {high}")
    return value


def fuzz_settings(config: pytest.Config, target: Target | None) -> FuzzSettings:
    """How many generated requests of each kind, under which seed (picked here when none is
    given, and written back to the options so pytest-xdist workers draw the same bodies)."""
    import random

    from routify_suite.conformance.fuzz import FuzzSettings, replay_cases

    replay = option(config, "routify_replay")
    if replay:
        try:
            return FuzzSettings(0, 0, replay=tuple(replay_cases(replay)))
        except ValueError as error:
            raise pytest.UsageError(f"--routify-replay: {error}") from None
    count = _whole_number(config, "routify_fuzz", 0, MAX_FUZZ)
    seed = _whole_number(config, "routify_fuzz_seed", 0, MAX_SEED)
    if count is None:
        count = target.fuzz if target else 0
    if seed is None and target is not None:
        seed = target.fuzz_seed
    picked = seed is None
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1_000_000)
    config.option.routify_fuzz_seed = str(seed)
    return FuzzSettings(count, seed, picked=picked)


def report_dir(config: pytest.Config) -> Path:
    """--routify-report-dir, else reports/conformance under the working directory (as the CLI)."""
    return Path(option(config, "routify_report_dir") or Path("reports") / "conformance")


def runs_the_suite(config: pytest.Config) -> bool:
    """Whether this run is meant to run the conformance suite (so junit.xml is written): a
    ``--routify-...`` option on the command line, or an argument naming the suite.

    The plugin is loaded in every project's runs; a run of other tests gets no junit.xml.
    """
    args = [str(arg) for arg in config.invocation_params.args]
    if any(arg.startswith("--routify-") for arg in args):
        return True
    for arg in config.args:
        name = str(arg).split("::")[0]
        if name.startswith("routify_suite.conformance"):
            return True
        path = Path(config.invocation_params.dir, name).resolve()
        if path == SUITE_DIR or SUITE_DIR in path.parents:
            return True
    return False


def detail_asked(config: pytest.Config) -> bool:
    """-v, an explicit -r... or --tb...: the user wants pytest's own per-case detail."""
    if config.get_verbosity() > 0:
        return True
    args = [str(arg) for arg in config.invocation_params.args]
    return any(arg.startswith(("--tb", "-r")) and not arg.startswith("--r") for arg in args)
