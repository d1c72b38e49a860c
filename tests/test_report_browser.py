"""The reports as a person sees them, in headless Chromium (1400 × 900 first screen).

The conformance report comes from a real run of the suite through one deviation of the
reference server (``done-repeated``: data: [DONE] sent twice, caught by stream.done-last);
the load report from recorded metrics with a step shape and a synthetic capacity section;
the Locust tab from a plain ``locust`` run with its web UI. Screenshots go to reports/browser/.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.load.files import METRICS_FILE, REFERENCE_KEY, write_json
from routify_suite.load.metrics import RequestResult
from routify_suite.load.processes import free_port, stop
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.report import read_metrics, write_html_report
from routify_suite.load.summary import RunInfo, build_summary
from routify_suite.paths import package_dir
from routify_suite.server import RunningServer, running_server
from tests.browser import Tab, chromium, in_first_screen, open_tab
from tests.mutation.catalogue import ALL, VARIATIONS
from tests.mutation.runner import run_suite
from tests.mutation.serving import running_proxy

START = 1_700_000_000.0


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Report directories: the stream cases against the reference server, with and without
    the deviation that repeats data: [DONE]."""
    base = tmp_path_factory.mktemp("runs")
    deviation = ALL["done-repeated"]
    with running_server() as server, running_proxy(server.base_url) as root:
        broken = run_suite(root, deviation, base / "done-repeated")
        legal = dataclasses.replace(VARIATIONS[0], select=deviation.select)
        clean = run_suite(root, legal, base / "clean")
    assert broken.exit_code == 1, broken.output[-2000:]
    assert broken.failed_checks == {"stream.done-last"}
    assert clean.exit_code == 0, clean.failures()
    return {"broken": base / "done-repeated", "clean": base / "clean"}


def test_first_screen_names_the_failed_check_its_rule_and_what_came_back(
    browser: object, runs: dict[str, Path]
) -> None:
    tab = open_tab(browser, (runs["broken"] / "report.html").as_uri())
    page = tab.page
    banner = page.locator("#banner")
    assert "does not conform" in banner.inner_text()
    assert in_first_screen(banner)
    failure = page.locator("article.failure").first
    check = failure.locator("h3 code")
    assert check.inner_text() == "stream.done-last"
    assert in_first_screen(check)
    rule = failure.locator(".rule")
    assert "[DONE] is the last event" in rule.inner_text()
    assert in_first_screen(rule)
    expected_got = failure.locator("dl.eg")
    assert "expected" in expected_got.inner_text()
    assert "after [DONE]" in expected_got.inner_text()
    assert in_first_screen(expected_got)
    tab.screenshot("conformance-first-screen.png")
    assert tab.errors == []


def test_one_click_on_a_failed_cell_shows_the_wire_transcript(
    browser: object, runs: dict[str, Path]
) -> None:
    tab = open_tab(browser, (runs["broken"] / "report.html").as_uri())
    page = tab.page
    cell = page.locator("a.cell.fail").first
    cell.click()
    detail = page.locator("#detail")
    case = detail.locator("article.case").first
    case.wait_for()
    assert "stream.done-last" in case.inner_text()
    transcript = case.locator(".x").first
    assert "HTTP 200" in transcript.inner_text()
    assert "SSE events as received" in transcript.inner_text()
    last_rows = transcript.locator("table.events tbody tr")
    assert last_rows.last.inner_text().split()[-1] == "[DONE]"
    assert "ms" in last_rows.first.inner_text()  # arrival offsets
    assert case.is_visible()
    tab.screenshot("conformance-case-transcript.png")
    # Keys stay masked in what the page shows.
    case.locator("summary", has_text="request headers").click()
    assert "Bearer ***" in case.inner_text()
    assert REFERENCE_KEY not in page.content()
    assert tab.errors == []


def test_side_by_side_keeps_the_matrix_and_filters_to_differences(
    browser: object, runs: dict[str, Path], tmp_path: Path
) -> None:
    output = tmp_path / "matrix.html"
    code = main(["report", str(runs["clean"]), str(runs["broken"]), "-o", str(output)])
    assert code == 1  # one run failed
    tab = open_tab(browser, output.as_uri())
    page = tab.page
    assert page.locator("th.group").count() == 2
    rows = page.locator("#matrix-table tbody tr:not(.family)")
    everything = sum(1 for i in range(rows.count()) if rows.nth(i).is_visible())
    page.locator("#differs").check()
    shown = [rows.nth(i) for i in range(rows.count()) if rows.nth(i).is_visible()]
    assert 0 < len(shown) < everything
    assert [row.locator("th code").inner_text() for row in shown] == ["stream.done-last"]
    tab.screenshot("conformance-side-by-side.png")
    assert tab.errors == []


def _step_metrics(directory: Path) -> None:
    """Twelve seconds of a step shape (2, 4, 6 users), paced near TTFT 200 ms / ITL 20 ms."""
    recorder = MetricsRecorder(window_s=1)
    for second in range(12):
        users = 2 * (1 + second // 4)
        recorder.note_users(START + second, users)
        for index in range(users * 2):
            gaps = tuple(0.018 + 0.0005 * ((index + k) % 9) for k in range(20))
            ttft = 0.2 + 0.002 * index
            result = RequestResult(
                "stream", 200, True, 0.0, ttft + sum(gaps), None, ttft, gaps, 21, "usage", "c", 1e-6
            )
            recorder.record(result, START + second + index / (users * 2))
    run = {"started": START, "stopped": START + 12, "locust_requests": recorder.requests}
    write_json(directory / METRICS_FILE, {"run": run, "metrics": recorder.snapshot()})


def test_load_report_charts_render(browser: object, tmp_path: Path) -> None:
    _step_metrics(tmp_path)
    metrics = read_metrics(tmp_path, RunInfo(0.0, 0.0, scenario="stream", shape="step", users=6))
    summary = build_summary(metrics.recorder, metrics.run)
    step = {key: summary[key] for key in ("rps", "output_tokens_per_s", "ttft_ms", "e2e_ms")}
    summary["capacity"] = {
        "dimension": "users",
        "value": 4,
        "output_tokens_per_s": 400.0,
        "goodput_rps": 19.5,
        "steps": [
            {**step, "users": 2, "error_rate": 0.0, "slo": {"passed": True}},
            {**step, "users": 4, "error_rate": 0.0, "slo": {"passed": True}},
            {**step, "users": 8, "error_rate": 0.2, "slo": {"passed": False}},
        ],
    }
    write_html_report(summary, metrics.recorder, metrics.run.started, tmp_path)
    tab = open_tab(browser, (tmp_path / "report.html").as_uri())
    page = tab.page
    assert "TTFT" in page.locator("#percentiles").inner_text()
    capacity = page.locator("#capacity")
    assert "Highest users that met the SLO: 4" in capacity.inner_text()
    assert page.locator("#capacity-steps tbody tr").count() == 3
    for stem in ("latency_over_time", "ttft_histogram", "itl_histogram", "throughput_vs_users"):
        svg = page.locator(f"#chart-{stem} svg")
        box = svg.bounding_box()
        assert box is not None, stem
        assert box["width"] > 300, stem
        assert box["height"] > 200, stem
        assert svg.locator("path").count() > 20, stem  # axes, ticks, bars or lines drawn
    # The step shape's changes are labelled in the users panel (2 -> 4 -> 6).
    assert page.locator("#chart-latency_over_time svg text", has_text="6").count() >= 1
    tab.screenshot("load-report.png", full_page=True)
    assert tab.errors == []
    assert " src=" not in (tmp_path / "report.html").read_text()


@pytest.fixture
def paced_server() -> Iterator[RunningServer]:
    with running_server(ttft_ms=50, itl_ms=10) as server:
        yield server


def test_locust_web_ui_has_a_routify_tab(
    browser: object, paced_server: RunningServer, tmp_path: Path
) -> None:
    scenarios = package_dir("routify_suite.load")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        f"{scenarios / 'scenarios' / 'stream.py'},{scenarios / 'shapes' / 'constant.py'}",
        "--host",
        paced_server.base_url,
        "--users",
        "4",
        "--web-host",
        "127.0.0.1",
        "--web-port",
        str(port),
        "--autostart",
        "--run-time",
        "30s",
        "--metrics-dir",
        "reports/load",
    ]
    env = {**os.environ, "ROUTIFY_API_KEY": REFERENCE_KEY}
    log = (tmp_path / "locust.log").open("wb")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        tab = _open_when_serving(browser, f"http://127.0.0.1:{port}/", process)
        page = tab.page
        page.get_by_role("tab", name="Routify").click()
        ttft = page.get_by_role("cell", name="TTFT (ms)")
        ttft.wait_for()
        row = page.get_by_role("row").filter(has=ttft)
        figures = row.inner_text().split()
        assert float(figures[2]) >= 50  # p50 TTFT at least the server's pacing
        assert page.get_by_role("cell", name="output tokens/s (whole run)").is_visible()
        tab.screenshot("locust-routify-tab.png")
        assert tab.errors == []
    finally:
        stop(process)
        log.close()


def _open_when_serving(browser: object, url: str, process: subprocess.Popen[bytes]) -> Tab:
    """Open the web UI once Locust listens (bounded: 30 s, and never past Locust's exit)."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, "locust exited before its web UI served"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return open_tab(browser, url)
        except OSError:
            assert time.monotonic() < deadline, "locust's web UI did not listen within 30 s"
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.2)  # returns early if Locust exits


def test_saved_results_keep_keys_masked(runs: dict[str, Path]) -> None:
    results = (runs["broken"] / "results.json").read_text()
    document = json.loads(results)
    assert REFERENCE_KEY not in results
    assert REFERENCE_KEY not in (runs["broken"] / "report.html").read_text()
    transcripts = list(document["exchanges"].values())
    assert transcripts
    authorizations = {x["request_headers"].get("authorization") for x in transcripts}
    assert "Bearer ***" in authorizations  # the valid key, masked
    assert not re.search(r"rtf_(?!\*\*\*)", results)  # no rtf_ key anywhere unmasked
