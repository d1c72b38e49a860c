"""pytest plugin for the conformance suite (registered through the ``pytest11`` entry point).

pytest loads it in every run of every project in the environment, so it changes nothing there:
its options all start with ``--routify-`` (each with an ini twin named ``routify_...``), and it
only adds markers until cases of the suite are collected. Then it maps each case's outcome to a
verdict (pass / fail / non-strict / not-exercised), keeps keys out of failure text, and writes
junit.xml, results.json and report.html. Heavy imports happen inside hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from routify_suite.conformance.rows import Row

if TYPE_CHECKING:
    from routify_suite.conformance.findings import CaseLog

    from routify_suite.target import Target

SUITE_DIR = Path(__file__).resolve().parent

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
        "seconds a stream may stall",
    ),
    (
        "--routify-request-timeout",
        "routify_request_timeout",
        "30",
        "read timeout of a plain request",
    ),
    (
        "--routify-connect-timeout",
        "routify_connect_timeout",
        "5",
        "connect timeout of every request",
    ),
    (
        "--routify-report-dir",
        "routify_report_dir",
        None,
        "where junit.xml, results.json, report.html go",
    ),
)

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
    "last": "runs after every other case (it may exhaust a rate limit)",
}

CASE_LOG: pytest.StashKey[CaseLog] = pytest.StashKey()
VERDICTS = ("pass", "fail", "non-strict", "not-exercised")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("routify", "Routify conformance suite")
    for flag, dest, default, text in OPTIONS:
        group.addoption(flag, dest=dest, default=None, help=text)
        parser.addini(dest, help=text, default=default)


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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    report_dir = option(config, "routify_report_dir")
    if report_dir and not getattr(config.option, "xmlpath", None):
        # Runs before the junitxml plugin's own configure (tryfirst below), which reads this.
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")
    for dest in (
        "routify_stream_idle_timeout",
        "routify_request_timeout",
        "routify_connect_timeout",
    ):
        seconds(config, dest)
    if option(config, "routify_target"):
        resolve_target(config)  # a bad file is a usage error now, not 200 failed cases later
    config.pluginmanager.register(ConformanceSession(config), "routify-conformance-session")


def resolve_target(config: pytest.Config, base_url: str | None = None) -> Target:
    """The target the options name, with overrides; a bad one is a one-line usage error."""
    from routify_suite.target import LOCAL_TARGET, TargetError, load_target

    path = option(config, "routify_target") or LOCAL_TARGET
    try:
        target = load_target(path)
        return target.with_overrides(
            base_url=base_url or option(config, "routify_base_url"),
            api_key=option(config, "routify_api_key"),
            profile=option(config, "routify_profile"),
        )
    except TargetError as error:
        raise pytest.UsageError(str(error)) from None


def is_case(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).resolve().parents


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

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.cases = {item.nodeid for item in items if is_case(item)}
        # Stable sort: cases that may exhaust a key's rate limit go last.
        items.sort(key=lambda item: item.get_closest_marker("last") is not None)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        import time

        self.started = time.time()

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
            log.findings.extend(f for f in log.ambient if f not in log.findings)
            if any(f.strict for f in log.ambient):
                report.outcome = "failed"
        verdict, message = "pass", ""
        if report.failed:
            verdict = "fail"
            if log is not None and log.findings and report.when == "call":
                report.longrepr = "\n".join(f.message() for f in log.findings)
            report.longrepr = self.redact(str(report.longrepr or ""))
            message = report.longrepr
        elif report.skipped and hasattr(report, "wasxfail"):
            verdict, message = "non-strict", self.redact(str(report.wasxfail))
        elif report.skipped:
            longrepr = report.longrepr
            verdict = "not-exercised"
            message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
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
            "verdict": verdict,
            "message": message,
            "findings": [
                {**f.as_dict(), "expected": redact(f.expected), "got": redact(f.got)}
                for f in (log.findings if log else [])
            ],
            "request_ids": list(log.request_ids) if log else [],
            "checked": list(log.checked) if log else [],
            "markers": sorted({m.name for m in item.iter_markers()} - {"parametrize", "asyncio"}),
            "target": self.describe_target(),
        }
        return report

    def describe_target(self) -> dict[str, Any]:
        target = self.target
        if target is None:
            return {}
        return {
            "name": target.name,
            "base_url": self.redact(target.base_url),
            "profile": target.profile,
            "source": target.source,
        }

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phase = getattr(report, "routify_case", None)
        if phase is None:
            return
        self.described = self.described or phase["target"]
        self.rows.setdefault(report.nodeid, Row()).merge(phase, report.duration)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.rows or hasattr(self.config, "workerinput"):
            return  # nothing ran, or an xdist worker: the controller writes the reports
        from routify_suite.conformance.results import build_run, write_reports

        run = build_run(self.rows, self.described, self.started, exitstatus)
        write_reports(run, self.report_dir())

    def report_dir(self) -> Path:
        """--report-dir, else reports/conformance under the working directory (as the CLI)."""
        return Path(option(self.config, "routify_report_dir") or Path("reports") / "conformance")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.rows:
            return
        counts = dict.fromkeys(VERDICTS, 0)
        for row in self.rows.values():
            counts[row.verdict] += 1
        line = ", ".join(f"{count} {verdict}" for verdict, count in counts.items())
        name = self.described.get("name", "?")
        terminalreporter.write_sep("-", f"conformance of {name}: {line}")
        terminalreporter.write_line(f"reports: {self.report_dir()}")
