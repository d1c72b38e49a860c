"""PNG plots of a run: latency percentiles over time, TTFT and ITL histograms, throughput vs users;
for a sweep, latency percentiles and throughput against load with the knee marked.

Drawn with matplotlib's object API on a bare ``Figure`` (the Agg canvas; no pyplot, no display,
no global state), from the merged recorder, so distributed runs plot the same as local ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram
from matplotlib.figure import Figure
from routify_suite.load.histograms import SCALE
from routify_suite.load.recorder import MetricsRecorder

PERCENTILE_LINES = ((50.0, "p50"), (95.0, "p95"), (99.0, "p99"))


def write_plots(recorder: MetricsRecorder, started: float, directory: Path) -> list[Path]:
    """Write every plot the data allows; return the files written."""
    written = [
        _latency_over_time(recorder, started, directory / "latency_over_time.png"),
        _throughput_vs_users(recorder, directory / "throughput_vs_users.png"),
    ]
    for name, title in (("ttft_ms", "Time to first token"), ("itl_ms", "Inter-token latency")):
        histogram = recorder.histograms.get(name)
        if histogram is not None and histogram.get_total_count():
            path = directory / f"{name.removesuffix('_ms')}_histogram.png"
            written.append(_histogram(histogram, title, path))
    return written


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def _latency_over_time(recorder: MetricsRecorder, started: float, path: Path) -> Path:
    figure = Figure(figsize=(9, 6))
    axes = figure.subplots(2, 1, sharex=True)
    keys = sorted(recorder.windows)
    times = [key + recorder.window_s / 2 - started for key in keys]
    for ax, name, title in (
        (axes[0], "e2e_ms", "End-to-end latency"),
        (axes[1], "ttft_ms", "Time to first token"),
    ):
        series = [
            (t, recorder.windows[k].histograms[name])
            for t, k in zip(times, keys, strict=True)
            if name in recorder.windows[k].histograms
            and recorder.windows[k].histograms[name].get_total_count()
        ]
        for percentile, label in PERCENTILE_LINES:
            points = [(t, h.get_value_at_percentile(percentile) / SCALE) for t, h in series]
            if points:
                ax.plot(*zip(*points, strict=True), marker=".", label=label)
        ax.set_title(f"{title} per {recorder.window_s} s window")
        ax.set_ylabel("ms")
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend(loc="upper left")
    axes[1].set_xlabel("seconds since start")
    return _save(figure, path)


def _histogram(histogram: HdrHistogram, title: str, path: Path) -> Path:
    values: list[float] = []
    counts: list[int] = []
    for item in histogram.get_recorded_iterator():
        values.append(item.value_iterated_to / SCALE)
        counts.append(item.count_added_in_this_iter_step)
    figure = Figure(figsize=(8, 4.5))
    ax = figure.subplots()
    bins = min(100, max(10, len(values)))
    ax.hist(values, bins=bins, weights=counts, color="tab:blue")
    for percentile, label in PERCENTILE_LINES:
        value = histogram.get_value_at_percentile(percentile) / SCALE
        ax.axvline(value, linestyle="--", color="tab:red", alpha=0.6)
        ax.annotate(f"{label} {value:.1f}", (value, 0), rotation=90, va="bottom", fontsize=8)
    ax.set_title(f"{title} ({histogram.get_total_count()} values)")
    ax.set_xlabel("ms")
    ax.set_ylabel("count")
    return _save(figure, path)


def _throughput_vs_users(recorder: MetricsRecorder, path: Path) -> Path:
    windows = [w for _, w in sorted(recorder.windows.items()) if w.users and w.requests]
    figure = Figure(figsize=(8, 4.5))
    ax = figure.subplots()
    users = [w.users for w in windows]
    ax.scatter(users, [w.requests / recorder.window_s for w in windows], label="requests/s")
    ax.set_xlabel("users")
    ax.set_ylabel("requests/s")
    ax.grid(alpha=0.3)
    tokens = ax.twinx()
    tokens.scatter(
        users,
        [w.output_tokens / recorder.window_s for w in windows],
        color="tab:orange",
        marker="x",
        label="output tokens/s",
    )
    tokens.set_ylabel("output tokens/s")
    ax.set_title("Throughput against users (one point per window)")
    figure.legend(loc="upper left")
    return _save(figure, path)


def write_capacity_plots(capacity: dict[str, Any], directory: Path) -> list[Path]:
    """Latency percentiles and throughput against load, one point per step, knee marked.

    The knee is the capacity found: the highest load that met the SLO.
    """
    steps = sorted(capacity.get("steps") or [], key=lambda step: step["value"])
    if not steps:
        return []
    label = "concurrent users" if capacity["dimension"] == "users" else "arrival rate (req/s)"
    return [
        _latency_vs_load(steps, capacity.get("value"), label, directory / "latency_vs_load.png"),
        _throughput_vs_load(
            steps, capacity.get("value"), label, directory / "throughput_vs_load.png"
        ),
    ]


def _mark_knee(ax: Any, knee: float | None) -> None:
    if knee is not None:
        ax.axvline(knee, color="tab:red", linestyle="--", alpha=0.7, label=f"capacity {knee:g}")


def _latency_vs_load(
    steps: list[dict[str, Any]], knee: float | None, label: str, path: Path
) -> Path:
    figure = Figure(figsize=(9, 8))
    axes = figure.subplots(3, 1, sharex=True)
    loads = [step["value"] for step in steps]
    for ax, name, title in (
        (axes[0], "ttft_ms", "Time to first token"),
        (axes[1], "itl_ms", "Inter-token latency"),
        (axes[2], "e2e_ms", "End-to-end latency"),
    ):
        for key in ("p50", "p95", "p99"):
            points = [
                (load, (step.get(name) or {}).get(key))
                for load, step in zip(loads, steps, strict=True)
            ]
            points = [(x, y) for x, y in points if y is not None]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=key)
        _mark_knee(ax, knee)
        ax.set_title(f"{title} against load")
        ax.set_ylabel("ms")
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend(loc="upper left", fontsize=8)
    axes[2].set_xlabel(label)
    return _save(figure, path)


def _throughput_vs_load(
    steps: list[dict[str, Any]], knee: float | None, label: str, path: Path
) -> Path:
    figure = Figure(figsize=(9, 5))
    ax = figure.subplots()
    loads = [step["value"] for step in steps]
    tokens = [step.get("output_tokens_per_s") or 0 for step in steps]
    ax.plot(loads, tokens, marker="o", color="tab:orange", label="output tokens/s")
    ax.set_xlabel(label)
    ax.set_ylabel("output tokens/s")
    ax.grid(alpha=0.3)
    requests = ax.twinx()
    requests.plot(loads, [s.get("rps") or 0 for s in steps], marker="x", label="requests/s")
    goodput = [step.get("goodput_rps") or 0 for step in steps]
    requests.plot(loads, goodput, marker="s", color="tab:green", label="goodput req/s")
    requests.set_ylabel("requests/s")
    _mark_knee(ax, knee)
    failed = [load for load, step in zip(loads, steps, strict=True) if not step.get("passed")]
    if failed:
        ax.scatter(failed, [0] * len(failed), marker="v", color="tab:red", label="SLO missed")
    ax.set_title("Throughput against load (the dashed line: capacity found)")
    figure.legend(loc="upper left")
    return _save(figure, path)
