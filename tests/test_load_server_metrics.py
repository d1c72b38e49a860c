"""``--server-metrics``: the reference server's /metrics, the scraper, and a run that charts them.

The parser and the rates are checked on fixed texts; the scraper once against each kind of bad
endpoint (nothing listening, an HTML page) by calling one scrape, so no test waits on a timer;
two short load runs prove the whole path: series in summary.json and in the report, and a dead
endpoint costing one warning line and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from routify_suite.cli import main
from routify_suite.load.processes import free_port
from routify_suite.load.server_metrics import ScrapeLog, Scraper, parse_exposition
from routify_suite.server import running_server
from tests.conformance_helpers import serving
from tests.server_helpers import auth, chat

EXPOSITION = """\
# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{queue="a"} 10
# TYPE running gauge
running 3
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 4
latency_seconds_bucket{le="+Inf"} 5
latency_seconds_count 5
latency_seconds_sum 0.7
"""


def test_exposition_keeps_gauges_and_counters_and_drops_buckets() -> None:
    assert parse_exposition(EXPOSITION) == {
        'jobs_per_s{queue="a"}': (True, 10.0),
        "running": (False, 3.0),
        "latency_seconds_count_per_s": (True, 5.0),
        "latency_seconds_sum_per_s": (True, 0.7),
    }


def test_counters_become_rates_on_the_run_clock() -> None:
    log = ScrapeLog("http://127.0.0.1:1/metrics", 1.0)
    started = 1000.0
    for at, done, running in ((999.5, 10, 1), (1000.5, 30, 4), (1002.5, 70, 2), (1003.5, 5, 0)):
        log.scrapes.append((at, {"jobs_per_s": (True, done), "running": (False, running)}))
    block = log.aligned(started)
    assert block["series"]["running"] == [[-0.5, 1], [0.5, 4], [2.5, 2], [3.5, 0]]
    # 20 jobs in 1 s, then 40 in 2 s; the counter's reset (70 -> 5) gives no point.
    assert block["series"]["jobs_per_s"] == [[0.5, 20.0], [2.5, 20.0]]
    assert (block["scrapes"], block["failed_scrapes"], block["error"]) == (4, 0, None)
    assert log.warning() is None


def test_reference_server_counts_what_it_generates() -> None:
    with running_server() as server:
        tokens = 0
        with httpx.Client(timeout=30) as http:
            for stream in (False, True):
                body = chat(stream=stream, max_tokens=7, stream_options={"include_usage": True})
                if not stream:
                    del body["stream_options"]
                answer = http.post(server.base_url + "/chat/completions", json=body, headers=auth())
                assert answer.status_code == 200
                tokens += 7 if not stream else 0
                if stream:
                    usage = json.loads(answer.text.split("data: ")[-2])["usage"]
                    tokens += usage["completion_tokens"]
                else:
                    assert answer.json()["usage"]["completion_tokens"] == 7
            page = http.get(server.base_url.removesuffix("/v1") + "/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(page.text)
        for sample in family.samples
    }
    assert values["routify_requests_in_flight"] == 0
    assert values["routify_requests_queued"] == 0
    assert values["routify_completions_total"] == 2
    assert values["routify_generated_tokens_total"] == tokens


def test_tokens_count_as_they_are_sent_not_when_the_stream_ends() -> None:
    def scrape(http: httpx.Client, root: str) -> dict[str, float]:
        page = http.get(root + "/metrics").text
        families = text_string_to_metric_families(page)
        return {sample.name: sample.value for family in families for sample in family.samples}

    with running_server(ttft_ms=0, itl_ms=50) as server, httpx.Client(timeout=30) as http:
        root = server.base_url.removesuffix("/v1")
        body = chat(stream=True, max_tokens=40)
        with http.stream(
            "POST", server.base_url + "/chat/completions", json=body, headers=auth()
        ) as stream:
            events, lines = 0, stream.iter_lines()
            for line in lines:
                events += line.startswith("data: ")
                if events == 4:  # the role chunk, then three tokens
                    break
            middle = scrape(http, root)
            for _ in lines:  # the rest of the stream
                pass
        end = scrape(http, root)
    assert middle["routify_requests_in_flight"] == 1
    assert middle["routify_completions_total"] == 0
    assert 3 <= middle["routify_generated_tokens_total"] < 40
    assert (end["routify_completions_total"], end["routify_generated_tokens_total"]) == (1, 40)


async def html_page(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><html><body>Not here</body></html>")


@pytest.mark.parametrize("endpoint", ["nothing listens", "an HTML page"])
def test_a_bad_endpoint_is_counted_with_one_line(endpoint: str) -> None:
    app = Starlette(routes=[Route("/metrics", html_page)])
    with serving(app) as root, httpx.Client(timeout=5) as http:
        url = f"http://127.0.0.1:{free_port()}/metrics" if endpoint == "nothing listens" else root
        scraper = Scraper(url + ("" if endpoint == "nothing listens" else "/metrics"), 1.0, 5.0)
        scraper.scrape_once(http)
    log = scraper.log
    assert (log.failed, log.scrapes) == (1, [])
    warning = log.warning()
    assert warning is not None
    assert "\n" not in warning
    assert "1 of 1 scrapes failed (no server metrics)" in warning
    why = "cannot reach it" if endpoint == "nothing listens" else "not the Prometheus text format"
    assert why in warning
    assert log.aligned(0.0)["series"] == {}


def test_a_run_charts_the_reference_servers_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    arguments = ["load", "--scenario", "stream", "--users", "4", "--run-time", "3s"]
    arguments += ["--server-ttft-ms", "50", "--server-itl-ms", "10", "--max-concurrency", "2"]
    arguments += ["--server-metrics", "/metrics", "--server-metrics-interval", "0.5"]
    assert main([*arguments, "--report-dir", str(report)]) == 0
    captured = capsys.readouterr()
    assert "server-metrics" not in captured.err  # no warning
    block = json.loads((report / "summary.json").read_text())["server_metrics"]
    assert block["url"].endswith("/metrics")
    assert block["interval_s"] == 0.5
    assert block["failed_scrapes"] == 0
    series = block["series"]
    # Four users on a server serving two at a time: two run, two wait, and tokens flow.
    assert max(value for _, value in series["routify_requests_in_flight"]) == 4
    assert max(value for _, value in series["routify_requests_queued"]) == 2
    assert max(value for _, value in series["routify_generated_tokens_per_s"]) > 0
    times = [t for t, _ in series["routify_requests_in_flight"]]
    assert times == sorted(times)
    assert times[-1] > 1.0
    page = (report / "report.html").read_text()
    assert "Server: requests" in page
    assert "routify_generated_tokens_per_s" in page


def test_an_unreachable_endpoint_costs_one_warning_line_not_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/metrics"
    arguments = ["load", "--scenario", "chat", "--users", "2", "--run-time", "1s"]
    arguments += ["--server-ttft-ms", "0", "--server-itl-ms", "0", "--server-metrics", url]
    assert main([*arguments, "--report-dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "--server-metrics" in line]
    assert line.startswith(f"routify-suite load: warning: --server-metrics {url}: ")
    assert "cannot reach it" in line
    assert "Traceback" not in err
    block = json.loads((tmp_path / "summary.json").read_text())["server_metrics"]
    assert block["series"] == {}
    assert block["failed_scrapes"] >= 1


def test_a_bad_server_metrics_option_is_a_usage_error_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["load", "--run-time", "1s", "--report-dir", str(tmp_path)]
    assert main([*arguments, "--server-metrics", "metrics"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        "routify-suite load: --server-metrics: 'metrics' is not an http(s) URL"
        " like http://127.0.0.1:8080/v1"
    )
    assert main([*arguments, "--server-metrics", "/metrics", "--server-metrics-interval", "0"]) == 2
    assert "'--server-metrics-interval': 0.0 is not in the range x>=0.1" in capsys.readouterr().err
    assert not (tmp_path / "summary.json").exists()
