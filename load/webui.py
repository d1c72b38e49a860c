"""A "Routify" tab in Locust's web UI: live TTFT, ITL and E2E percentiles and tokens/s.

Locust's own tables time whole requests; a streaming run is judged by its first token and the
gaps between tokens. This uses Locust's documented web UI extension points: ``extended_tabs`` and
``extended_tables`` in the page's template arguments, and an ``extended_stats`` entry added to
each ``/stats/requests`` poll, filled from the process's merged recorder (on a master, what the
workers reported so far).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Final

from routify_suite.load.histograms import summarize
from routify_suite.load.recorder import MetricsRecorder

TAB_KEY: Final = "routify"
ROWS: Final = (
    ("ttft_ms", "TTFT (ms)"),
    ("itl_ms", "ITL (ms)"),
    ("e2e_ms", "E2E (ms)"),
    ("tpot_ms", "TPOT (ms)"),
)
COLUMNS: Final = ("p50", "p90", "p95", "p99", "max", "count")
STRUCTURE: Final = [
    {"key": "metric", "title": "Metric"},
    *({"key": column, "title": column} for column in COLUMNS),
]


def rows(recorder: MetricsRecorder, started: float | None, now: float) -> list[dict[str, Any]]:
    """The tab's table: one row per latency, then throughput."""
    table: list[dict[str, Any]] = []
    for name, label in ROWS:
        histogram = recorder.histograms.get(name)
        if histogram is None or not histogram.get_total_count():
            continue
        figures = summarize(histogram)
        table.append({"metric": label, **{c: figures.get(c) for c in COLUMNS}})
    elapsed = max(1e-9, now - started) if started else 0.0
    rate = round(recorder.output_tokens / elapsed, 1) if elapsed else None
    requests = round(recorder.requests / elapsed, 2) if elapsed else None
    blank = dict.fromkeys(COLUMNS, "")
    table.append({**blank, "metric": "output tokens/s (whole run)", "p50": rate})
    table.append({**blank, "metric": "requests/s (whole run)", "p50": requests})
    table.append(
        {
            **blank,
            "metric": "requests / failures",
            "p50": f"{recorder.requests} / {recorder.failures}",
        }
    )
    return table


Source = Callable[[], tuple[MetricsRecorder, float | None, float | None]]


def install(web_ui: Any, source: Source) -> None:
    """Add the tab to ``web_ui``; ``source`` returns the recorder and the run's start and stop
    times (None while it has not started / not stopped)."""
    from flask import request

    web_ui.template_args["extended_tabs"] = [{"title": "Routify", "key": TAB_KEY}]
    web_ui.template_args["extended_tables"] = [{"key": TAB_KEY, "structure": STRUCTURE}]

    @web_ui.app.after_request
    def add_routify_stats(response: Any) -> Any:
        if request.path != "/stats/requests" or not response.is_json:
            return response
        recorder, started, stopped = source()
        document = response.get_json()
        extended = [{"key": TAB_KEY, "data": rows(recorder, started, stopped or time.time())}]
        document["extended_stats"] = [*document.get("extended_stats", []), *extended]
        response.set_data(json.dumps(document))
        return response
