"""From the master's ``metrics.json`` to ``summary.json``, the SLO verdict and the plots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routify_suite.load.files import METRICS_FILE
from routify_suite.load.plots import write_plots
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.slo import Bound, apply_gate
from routify_suite.load.summary import RunInfo, build_summary, write_summary


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
        scenario=run.scenario,
        shape=run.shape,
        users=run.users or recorded.get("users", 0),
        workers=run.workers or recorded.get("workers", 0),
        target=run.target,
        model=recorded.get("model", run.model),
        client=recorded.get("client", run.client),
        arrival_rate=recorded.get("arrival_rate", run.arrival_rate),
        locust_requests=recorded.get("locust_requests"),
        notes=[*run.notes, *recorded.get("notes", [])],
        workload=recorded.get("workload") or run.workload,
    )
    return RunMetrics(merged, recorder)


def finish_report(metrics: RunMetrics, bounds: list[Bound], directory: Path) -> int:
    """Write summary.json and the plots; return the SLO exit code (0 met, 1 breached)."""
    summary = build_summary(metrics.recorder, metrics.run)
    code = apply_gate(summary, bounds)
    write_summary(summary, directory)
    write_plots(metrics.recorder, metrics.run.started, directory)
    return code
