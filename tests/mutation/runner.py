"""Run the conformance suite through the deviation proxy and read back its verdicts."""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from routify_suite.cli import main
from routify_suite.target import LOCAL_TARGET
from tests.mutation.deviation import Deviation
from tests.mutation.proxy import HARNESS
from tests.mutation.relay import closing_relay

STREAM_IDLE_TIMEOUT_S = "1"
"""Short, so the stalling-stream deviation fails its cases in a second instead of ten."""


@dataclass(frozen=True)
class SuiteRun:
    """What one run of the suite said about one deviation."""

    exit_code: int
    cases: list[dict]
    output: str
    reconnects: int = 0
    """Requests the suite sent again after the server closed their kept-alive connection."""

    @property
    def failed_checks(self) -> set[str]:
        return {
            check
            for case in self.cases
            if case["verdict"] == "fail"
            for check in case["failed_checks"]
        }

    @property
    def non_strict_checks(self) -> set[str]:
        return {
            finding["check"]
            for case in self.cases
            if case["verdict"] == "non-strict"
            for finding in case["findings"]
        }

    @property
    def verdicts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in self.cases:
            counts[case["verdict"]] = counts.get(case["verdict"], 0) + 1
        return counts

    def failures(self) -> str:
        """The failing cases' messages, for an assertion that must explain itself."""
        lines = [
            f"{case['id']}: {case['message']}" for case in self.cases if case["verdict"] == "fail"
        ]
        return "\n".join(lines) or self.output[-3000:]


def run_suite(
    proxy_root: str,
    deviation: Deviation,
    report_dir: Path,
    options: Sequence[str] = (),
    every_case: bool = False,
    strict: bool = False,
    select: str | None = None,
) -> SuiteRun:
    """The suite, through ``deviation``, on the cases ``select`` (default: the deviation's)
    picks (empty or ``every_case``: all), with more CLI ``options`` (e.g. --fuzz), or
    ``--strict``."""
    mark = HARNESS.mark()
    with contextlib.ExitStack() as stack:
        if deviation.closes_connections:
            proxy_root, _ = stack.enter_context(closing_relay(proxy_root))
        base_url = f"{proxy_root}/{deviation.name}/v1"
        if select is not None:
            deviation = replace(deviation, select=select)
        run = _run(base_url, deviation, report_dir, options, every_case, strict)
    failed, retried = HARNESS.since(mark)
    if failed:
        raise AssertionError(f"the deviation proxy could not reach the server: {failed}")
    if retried:
        warnings.warn(
            f"the deviation proxy reached the server on a second try: {retried}", stacklevel=2
        )
    return run


def _run(
    base_url: str,
    deviation: Deviation,
    report_dir: Path,
    options: Sequence[str],
    every_case: bool,
    strict: bool,
) -> SuiteRun:
    select = "" if every_case else deviation.select
    argv = [
        "conformance",
        *(["--strict"] if strict else []),
        "--target",
        str(LOCAL_TARGET),  # the reference server's keys and models, behind the proxy
        "--base-url",
        base_url,
        "--report-dir",
        str(report_dir),
        "--stream-idle-timeout",
        STREAM_IDLE_TIMEOUT_S,
        *options,
        "--",
        *(["-k", select] if select else []),
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = main(argv)
    results = report_dir / "results.json"
    cases = json.loads(results.read_text())["cases"] if results.exists() else []
    reconnects = json.loads(results.read_text()).get("reconnects", 0) if results.exists() else 0
    return SuiteRun(code, cases, output.getvalue(), reconnects)
