"""The load comparison page and the server-metrics panels as a person sees them, in Chromium.

Both pages are built from written files (no Locust run): the comparison from two small runs of
:mod:`tests.test_load_comparison`, the load report from a recorder and a ``server_metrics``
block shaped as a scrape of the reference server gives it. Screenshots go to reports/browser/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.load.metrics import RequestResult
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.report import write_html_report
from routify_suite.load.summary import RunInfo, build_summary
from tests.browser import chromium, in_first_screen, open_tab
from tests.test_load_comparison import write_run

START = 1_700_000_000.0


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def test_the_comparison_page_leads_with_the_regression(
    browser: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = write_run(tmp_path / "A", 200.0, seed=1), write_run(tmp_path / "B", 260.0, 3)
    page_file = tmp_path / "comparison.html"
    rules = ["--fail-on-regression", "ttft_ms.p50=10%", "--fail-on-regression", "e2e_ms.p95=10%"]
    assert main(["report", str(first), str(second), *rules, "-o", str(page_file)]) == 1
    capsys.readouterr()
    tab = open_tab(browser, page_file.as_uri())
    page = tab.page
    banner = page.locator("#banner")
    assert in_first_screen(banner)
    assert "1 of 2 rule(s) found run 2 worse than run 1" in banner.inner_text()
    worse = page.locator('[id="m-ttft_ms.p50"] td.worse')
    assert worse.inner_text().startswith("+29.")
    assert page.locator("td.worse").count() == 1
    assert page.locator("#metrics tbody tr").count() == 22  # 5 latencies x 4 percentiles, 2 rates
    tab.screenshot("load-comparison.png", full_page=True)
    assert tab.errors == []


def test_server_metrics_are_drawn_under_the_client_latency(browser: object, tmp_path: Path) -> None:
    recorder = MetricsRecorder(window_s=1)
    for second in range(10):
        recorder.note_users(START + second, 4)
        for index in range(8):
            gaps = tuple(0.02 for _ in range(10))
            ttft = 0.2 + (0.3 if second >= 5 else 0.0)  # the server starts queueing at 5 s
            result = RequestResult(
                "stream", 200, True, 0.0, ttft + sum(gaps), None, ttft, gaps, 11, "usage", "c", 0
            )
            recorder.record(result, START + second + index / 8)
    summary = build_summary(recorder, RunInfo(START, START + 10, scenario="stream", users=4))
    summary["server_metrics"] = {
        "url": "http://127.0.0.1:8080/metrics",
        "interval_s": 1.0,
        "series": {
            "routify_requests_in_flight": [[t + 0.5, 4] for t in range(10)],
            "routify_requests_queued": [[t + 0.5, 2 if t >= 5 else 0] for t in range(10)],
            "routify_generated_tokens_per_s": [[t + 0.5, 88.0] for t in range(1, 10)],
        },
    }
    write_html_report(summary, recorder, START, tmp_path)
    tab = open_tab(browser, (tmp_path / "report.html").as_uri())
    chart = tab.page.locator("#chart-latency_over_time svg")
    titles = chart.locator("text").all_text_contents()
    assert any("Server: requests (scraped every 1 s)" in text for text in titles)
    assert any("Server: tokens/s" in text for text in titles)
    assert any("routify_requests_queued" in text for text in titles)
    box = chart.bounding_box()
    assert box is not None
    assert box["height"] > box["width"]  # six panels stacked on one time axis
    tab.screenshot("load-server-metrics.png", full_page=True)
    assert tab.errors == []
