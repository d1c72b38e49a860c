"""From the master's ``metrics.json`` to ``summary.json``, the SLO verdict, plots, report.html."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routify_suite.load.files import METRICS_FILE
from routify_suite.load.plots import write_plots
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.slo import DEFAULT_BUDGET_SOURCE, Bound, apply_gate
from routify_suite.load.summary import RunInfo, build_summary, write_summary
from routify_suite.redact import without_credentials
from routify_suite.report.load_html import render_load_report

REPORT_FILE = "report.html"


class MetricsFileError(RuntimeError):
    """The Locust master left no usable metrics file (it crashed or was killed)."""


@dataclass(frozen=True, slots=True)
class RunMetrics:
    run: RunInfo
    recorder: MetricsRecorder


def read_metrics(directory: Path, run: RunInfo) -> RunMetrics:
    """Read the master's metrics file; ``run`` supplies what only the caller knows."""
    path = directory / METRICS_FILE
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        recorded = document["run"]
        recorder = MetricsRecorder.from_snapshot(document["metrics"])
    except (OSError, ValueError, KeyError) as error:
        raise MetricsFileError(f"no usable {path.name} in {directory}: {error}") from None
    merged = RunInfo(
        started=recorded["started"],
        stopped=recorded["stopped"],
        # Plain `locust` runs have no CLI to say these; the master recorded them.
        scenario=run.scenario or recorded.get("scenario", ""),
        shape=run.shape or recorded.get("shape", ""),
        users=run.users or recorded.get("users", 0),
        workers=run.workers or recorded.get("workers", 0),
        target=run.target or without_credentials(recorded.get("host", "")),
        model=recorded.get("model", run.model),
        client=recorded.get("client", run.client),
        arrival_rate=recorded.get("arrival_rate", run.arrival_rate),
        locust_requests=recorded.get("locust_requests"),
        notes=[*run.notes, *recorded.get("notes", [])],
        workload=recorded.get("workload") or run.workload,
    )
    return RunMetrics(merged, recorder)


def finish_report(
    metrics: RunMetrics,
    bounds: list[Bound],
    directory: Path,
    source: str = DEFAULT_BUDGET_SOURCE,
) -> int:
    """Write summary.json, the plots and report.html; return the SLO exit code (0 met, 1
    breached)."""
    summary = build_summary(metrics.recorder, metrics.run)
    code = apply_gate(summary, bounds, source)
    directory.mkdir(parents=True, exist_ok=True)
    write_summary(summary, directory)
    write_html_report(summary, metrics.recorder, metrics.run.started, directory)
    return code


def write_html_report(
    summary: dict[str, Any], recorder: MetricsRecorder, started: float, directory: Path
) -> Path:
    """The PNGs, and report.html with the same charts inline (SVG): one file to hand round."""
    charts: dict[str, str] = {}
    write_plots(recorder, started, directory, charts)
    path = directory / REPORT_FILE
    path.write_text(render_load_report(summary, charts), encoding="utf-8")
    return path
