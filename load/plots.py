"""PNG plots of a run: latency percentiles over time, TTFT and ITL histograms, throughput vs users.

Drawn with matplotlib's object API on a bare ``Figure`` (the Agg canvas; no pyplot, no display,
no global state), from the merged recorder, so distributed runs plot the same as local ones.
"""

from __future__ import annotations

from pathlib import Path

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
