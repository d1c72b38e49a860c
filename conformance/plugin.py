"""pytest plugin for the conformance suite (registered through the ``pytest11`` entry point).

pytest loads it in every run of every project in the environment, so it changes nothing there:
its options all start with ``--routify-`` (each with an ini twin named ``routify_...``), and it
only adds markers until cases of the suite are collected. Then it maps each case's outcome to a
verdict (pass / fail / non-strict / not-exercised), keeps keys out of failure text, and writes
junit.xml, results.json and report.html. Heavy imports happen inside hooks.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from routify_suite.conformance.options import (
    SUITE_DIR,
    add_options,
    concurrency,
    detail_asked,
    fuzz_settings,
    max_time,
    option,
    report_dir,
    resolve_target,
    runs_the_suite,
    seconds,
)
from routify_suite.conformance.rows import Row

if TYPE_CHECKING:
    from routify_suite.conformance.findings import CaseLog
    from routify_suite.conformance.fuzz_session import FuzzSession
    from routify_suite.report.model import RunResult
    from routify_suite.target import Target


MARKERS = {
    "params": "parameters accepted, rejected and honoured",
    "honoured": "parameters honoured: the completion shows what was asked",
    "response": "the shape of non-streaming responses",
    "stream": "SSE streaming",
    "errors": "error statuses and the error envelope",
    "auth": "authentication (401)",
    "concurrency": "many requests at once",
    "snapshot": "normalized response shapes compared with recorded ones",
    "routify_only": "a Routify extension: non-strict in the openai profile",
    "fuzz": "generated requests (--fuzz N): valid ones answered 2xx, invalid ones 400",
    "last": "runs after every other case (it may exhaust a rate limit)",
}

CASE_LOG: pytest.StashKey[CaseLog] = pytest.StashKey()
VERDICTS = ("pass", "fail", "non-strict", "not-exercised", "not-run")
FINDINGS = ("fail", "non-strict")
"""Verdicts that come with findings, and so with a reproducer."""
NOT_RUN = "not run: "
"""Skip reason of a case that --max-time left unstarted (verdict "not-run", exit 1)."""
PROGRESS_S = 5.0
"""Seconds between progress lines when stdout is not a terminal (CI logs)."""
PROBED_VARIABLE = "ROUTIFY_SUITE_CONFORMANCE_PROBED"
"""Set by ``routify-suite conformance`` to the base URL it has just probed (probe once a run)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if runs_the_suite(config) and not getattr(config.option, "xmlpath", None):
        # Runs before the junitxml plugin's own configure (tryfirst above), which reads this.
        config.option.xmlpath = str(report_dir(config) / "junit.xml")
    for dest in (
        "routify_stream_idle_timeout",
        "routify_request_timeout",
        "routify_connect_timeout",
    ):
        seconds(config, dest)
    concurrency(config)
    max_time(config)
    target = None
    if option(config, "routify_target"):
        target = resolve_target(config)  # a bad file is a usage error now, not 200 failed cases
    from routify_suite.conformance.fuzz_session import PLUGIN_NAME, FuzzSession

    fuzz = FuzzSession(fuzz_settings(config, target), SUITE_DIR)
    config.pluginmanager.register(fuzz, PLUGIN_NAME)
    config.pluginmanager.register(ConformanceSession(config), "routify-conformance-session")


def probe_target(config: pytest.Config) -> str | None:
    """The probe's one-line reason (redacted) the target cannot be checked, or None; None also
    when ``routify-suite conformance`` has just probed the same URL."""
    import os

    from routify_suite.probe import probe

    target = resolve_target(config)
    if os.environ.get(PROBED_VARIABLE) == target.base_url:
        return None
    problem = probe(
        target.base_url,
        seconds(config, "routify_connect_timeout"),
        key=target.keys["valid"],
        model=target.models["default"],
        read_timeout=seconds(config, "routify_request_timeout"),
    )
    return target.redactor()(problem) if problem else None


def _is_terminal() -> bool:
    import sys

    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def is_case(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).resolve().parents


def case_id(item: pytest.Item) -> str:
    """The case's id in every report: ``conformance/<file>::<test>[<params>]``, the same
    however the suite was started (the CLI, plain pytest, a clone, a wheel), where pytest's
    node id depends on its rootdir; ``routify-suite report`` matches cases across runs by it."""
    relative = Path(str(item.path)).resolve().relative_to(SUITE_DIR).as_posix()
    return f"conformance/{relative}::{item.nodeid.split('::', 1)[1]}"


class ConformanceSession:
    """Turns case outcomes into verdicts and reports; inert when no case is collected.

    Verdicts are worked out where a case runs (``makereport``) and travel on the report, so
    they reach the process that writes the reports also under pytest-xdist (``logreport``).
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.cases: set[str] = set()
        self.rows: dict[str, Row] = {}
        self.target: Target | None = None
        self.described: dict[str, Any] = {}
        self.started = 0.0
        self.deadline = float("inf")
        """time.monotonic() reading after which no case starts (--max-time)."""
        self.progress = not _is_terminal()
        self._progress_at = 0.0
        self.run: RunResult | None = None
        self.only_cases = False
        """Every collected item is a case of the suite (no other project's tests in the run)."""

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.cases = {item.nodeid for item in items if is_case(item)}
        self.only_cases = bool(self.cases) and len(self.cases) == len(items)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.progress and self.cases and reporter is not None:
            # No letter per case between progress lines, so no file name per file either:
            # pytest would show each at [  0%], as it counts progress by letters written.
            reporter.showfspath = False
        # Stable sort: cases that may exhaust a key's rate limit go last.
        items.sort(key=lambda item: item.get_closest_marker("last") is not None)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Probe a named target once cases are collected: an unreachable URL, a rejected key or
        an unserved model is one line (pytest's usage error), before any case runs."""
        if self.cases and (
            option(self.config, "routify_target") or option(self.config, "routify_base_url")
        ):
            problem = probe_target(self.config)
            if problem:
                raise pytest.UsageError(problem)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        import time

        self.started = time.time()
        self._progress_at = time.monotonic()
        limit = max_time(self.config)
        if limit is not None:
            self.deadline = time.monotonic() + limit

    @property
    def fuzz(self) -> FuzzSession | None:
        return self.config.pluginmanager.get_plugin("routify-fuzz")

    def fuzz_line(self) -> str:
        return self.fuzz.line() if self.fuzz else ""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        import time

        if item.nodeid in self.cases and time.monotonic() > self.deadline:
            limit = option(self.config, "routify_max_time")
            pytest.skip(f"{NOT_RUN}--max-time {limit} s was reached before it started")

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """With progress lines (stdout not a terminal), no letter per case in between them."""
        if (
            not self.progress
            or report.nodeid not in self.cases
            or hasattr(self.config, "workerinput")
        ):
            return None
        if report.when == "call" or (report.when == "setup" and not report.passed):
            category = "failed" if report.failed else "skipped" if report.skipped else "passed"
            if hasattr(report, "wasxfail"):
                category = "xfailed"
            return category, "", ""
        return None

    def redact(self, text: str) -> str:
        from routify_suite.redact import Redactor

        redactor = self.target.redactor() if self.target else Redactor()
        return redactor(text)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if item.nodeid not in self.cases:
            return report
        log = item.stash.get(CASE_LOG, None)
        if report.when == "call" and report.passed and log is not None and log.ambient:
            # A non-2xx without the error envelope fails whichever case met it.
            log.absorb(log.ambient)
            if log.fails():
                report.outcome = "failed"
        verdict, message = "pass", ""
        if report.failed:
            verdict = "fail"
            if log is not None and log.findings and report.when == "call":
                report.longrepr = "\n".join(f.message(log.strict) for f in log.findings)
            report.longrepr = self.redact(str(report.longrepr or ""))
            message = report.longrepr
        elif report.skipped and hasattr(report, "wasxfail"):
            verdict, message = "non-strict", self.redact(str(report.wasxfail))
        elif report.skipped:
            longrepr = report.longrepr
            message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            not_run = message.removeprefix("Skipped: ").startswith(NOT_RUN)
            verdict = "not-run" if not_run else "not-exercised"
        from routify_suite.conformance.reproducer import case_reproducer

        redact = self.redact
        if report.when == "call" or not report.passed:
            # junit.xml shows them as <property> of the test case (written at tear-down).
            failed = ",".join(dict.fromkeys(f.check for f in log.findings)) if log else ""
            item.user_properties[:] = [
                ("verdict", verdict),
                ("failed_checks", failed),
                ("request_ids", ",".join(log.request_ids) if log else ""),
            ]
        report.routify_case = {
            "id": case_id(item),
            "verdict": verdict,
            "message": message,
            "findings": [
                {
                    **f.as_dict(),
                    "verdict": f.verdict(log.strict),
                    "expected": redact(f.expected),
                    "got": redact(f.got),
                    "evidence": redact(f.evidence),
                }
                for f in (log.findings if log else [])
            ],
            "request_ids": list(log.request_ids) if log else [],
            "checked": list(log.checked) if log else [],
            "exchanges": list(log.exchanges) if log else [],
            "reconnects": list(log.reconnects) if log else [],
            "resent_alone": list(log.resent_alone) if log else [],
            "markers": sorted({m.name for m in item.iter_markers()} - {"parametrize", "asyncio"}),
            "target": self.describe_target(),
            "reproducer": case_reproducer(log, self.target) if verdict in FINDINGS else "",
            "generated": dict(log.generated) if log else {},
        }
        return report

    def describe_target(self) -> dict[str, Any]:
        from routify_suite.redact import without_credentials

        target = self.target
        if target is None:
            return {}
        described = {
            "name": target.name,
            "base_url": self.redact(without_credentials(target.base_url)),
            "profile": target.profile,
            "source": target.source,
            "strict": target.strict,
        }
        return {**described, **(self.fuzz.described() if self.fuzz else {})}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phase = getattr(report, "routify_case", None)
        if phase is None:
            return
        self.described = self.described or phase["target"]
        self.rows.setdefault(phase.get("id", report.nodeid), Row()).merge(phase, report.duration)
        if report.when == "teardown":
            self.show_progress()

    def show_progress(self) -> None:
        """One line every PROGRESS_S while cases finish, for logs that show no live display."""
        import time

        if not self.progress or time.monotonic() - self._progress_at < PROGRESS_S:
            return
        self._progress_at = time.monotonic()
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        done = len(self.rows)
        failed = sum(1 for row in self.rows.values() if row.verdict == "fail")
        elapsed = time.time() - self.started
        reporter.ensure_newline()
        reporter.write_line(
            f"conformance: {done}/{len(self.cases)} cases done, {failed} failed, {elapsed:.0f} s"
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.rows or hasattr(self.config, "workerinput"):
            return  # nothing ran, or an xdist worker: the controller writes the reports
        from routify_suite.conformance.results import build_run, write_reports

        if exitstatus == pytest.ExitCode.OK and any(
            row.verdict == "not-run" for row in self.rows.values()
        ):
            exitstatus = session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.run = build_run(self.rows, self.described, self.started, exitstatus)
        write_reports(self.run, report_dir(self.config))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Any:
        """Outermost: pytest's per-case failure sections and -ra lines give way to the check
        summary, when every collected item is a case and no -v, -r or --tb asks for them."""
        if not self.rows or not self.only_cases or detail_asked(self.config):
            result = yield
        else:
            option = self.config.option
            tbstyle, reportchars = option.tbstyle, terminalreporter.reportchars
            option.tbstyle, terminalreporter.reportchars = "no", "w" if "w" in reportchars else ""
            try:
                result = yield
            finally:
                option.tbstyle, terminalreporter.reportchars = tbstyle, reportchars
        self.summarize(terminalreporter)
        return result

    def summarize(self, terminalreporter: Any) -> None:
        if not self.rows:
            return
        counts = dict.fromkeys(VERDICTS, 0)
        for row in self.rows.values():
            counts[row.verdict] += 1
        line = ", ".join(f"{count} {verdict}" for verdict, count in counts.items())
        name = self.described.get("name", "?")
        terminalreporter.write_sep("-", f"conformance of {name}: {line}")
        if self.fuzz_line():
            terminalreporter.write_line(self.fuzz_line())
        from routify_suite.conformance.results import run_notes

        for note in run_notes(self.rows):  # wrapped to a CI log's width
            for part in textwrap.wrap(f"note: {note}", 100, subsequent_indent="  "):
                terminalreporter.write_line(part)
        if self.run is not None:
            from routify_suite.conformance.failure_summary import summary_lines

            for line in summary_lines(self.run):
                terminalreporter.write_line(line)
        where = report_dir(self.config)
        written = "junit.xml, results.json" if self.config.option.xmlpath else "results.json"
        line = f"reports: {where}/{written}, report.html"
        if len(line) > 100:  # a CI log's width
            line = f"reports ({written}, report.html) in\n  {where}"
        for part in line.splitlines():
            terminalreporter.write_line(part)
