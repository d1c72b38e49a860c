"""Charts of a run: latency percentiles over time, latency histograms, throughput vs users;
for a sweep, latency percentiles and throughput against load with the knee marked.

Drawn with matplotlib's object API on bare ``Figure`` objects (the Agg canvas; no pyplot, no
display, no global state), from the merged recorder, so distributed runs plot the same as local
ones. The same figures become the PNGs (CI artefacts) and the inline SVGs of report.html.

What a reader needs to see: where the shape changed the user count (every change is a dotted
line across the time panels, labelled with the new count); latency spreads on a log-scaled ms
axis, with each percentile a distinct line named in the legend (labels never stack); throughput
against the user counts the run actually had, on an axis that starts at zero.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np
from hdrh.histogram import HdrHistogram
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from routify_suite.load.histograms import SCALE
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.server_charts import draw_panels, server_panels

PERCENTILE_LINES: Final = (
    (50.0, "p50", "#1f77b4", "-"),
    (90.0, "p90", "#2ca02c", "--"),
    (99.0, "p99", "#d62728", "-."),
    (100.0, "max", "#7f7f7f", ":"),
)
LATENCIES: Final = (
    ("ttft_ms", "Time to first token"),
    ("itl_ms", "Inter-token latency"),
    ("e2e_ms", "End-to-end latency"),
)
HISTOGRAM_FILES: Final = {"ttft_ms": "ttft", "itl_ms": "itl", "e2e_ms": "e2e"}
FLOOR_MS: Final = 0.001
"""Zero latencies (a server without pacing) are drawn at 1 µs: a log axis has no zero."""

Chart = tuple[str, Figure]


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.3g}"


def _user_changes(recorder: MetricsRecorder, started: float) -> list[tuple[float, int]]:
    """(seconds since start, new user count) wherever the count changed between windows."""
    changes: list[tuple[float, int]] = []
    previous = None
    for key in sorted(recorder.windows):
        users = recorder.windows[key].users
        if users and users != previous:
            if previous is not None:
                changes.append((key - started, users))
            previous = users
    return changes


def latency_over_time(
    recorder: MetricsRecorder, started: float, server: dict[str, Any] | None = None
) -> Figure:
    """TTFT, ITL and E2E per window, the users, then the server's metrics when scraped."""
    panels = server_panels(server)
    figure = Figure(figsize=(10, 8.5 + 1.9 * len(panels)), layout="constrained")
    axes = figure.subplots(
        4 + len(panels), 1, sharex=True, height_ratios=[1, 1, 1, 0.55] + [0.8] * len(panels)
    )
    if panels:
        draw_panels(axes[4:], server or {}, panels)
    keys = sorted(recorder.windows)
    times = {key: key + recorder.window_s / 2 - started for key in keys}
    changes = _user_changes(recorder, started)
    for ax, (name, title) in zip(axes, LATENCIES, strict=False):
        series = [
            (times[k], recorder.windows[k].histograms[name])
            for k in keys
            if name in recorder.windows[k].histograms
            and recorder.windows[k].histograms[name].get_total_count()
        ]
        for percentile, label, colour, style in PERCENTILE_LINES[:3]:
            points = [(t, h.get_value_at_percentile(percentile) / SCALE) for t, h in series]
            if points:
                ax.plot(*zip(*points, strict=True), style, color=colour, marker=".", label=label)
        ax.set_title(f"{title}, per {recorder.window_s} s window", loc="left", fontsize=11)
        ax.set_ylabel("ms")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if not series:
            ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", color="grey")
        elif ax is axes[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    users_ax = axes[3]
    user_points = [(times[k], recorder.windows[k].users) for k in keys if recorder.windows[k].users]
    if user_points:
        xs, ys = zip(*user_points, strict=True)
        users_ax.step(xs, ys, where="mid", color="#555555")
        users_ax.fill_between(xs, ys, step="mid", color="#bbbbbb", alpha=0.5)
    users_ax.set_ylabel("users")
    users_ax.set_ylim(bottom=0)
    users_ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    users_ax.set_title(
        "Users (the shape's steps and spikes are the dotted lines)", loc="left", fontsize=11
    )
    axes[-1].set_xlabel("seconds since start")
    users_ax.grid(alpha=0.3)
    for at, users in changes:
        for ax in axes:
            ax.axvline(at, color="#9467bd", linestyle=":", linewidth=1.2)
        users_ax.annotate(
            f"{users}",
            (at, users),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=8,
            color="#9467bd",
        )
    return figure


def _log_range(histogram: HdrHistogram) -> tuple[float, float]:
    """The x range: from half the 0.5th percentile (a few near-zero gaps must not stretch the
    axis over decades) to the maximum, at least a factor 4 wide."""
    low = max(FLOOR_MS, histogram.get_value_at_percentile(0.5) / SCALE / 2)
    high = max(low * 1.01, histogram.get_max_value() / SCALE)
    centre = (low * high) ** 0.5
    return min(low, centre / 2), max(high, centre * 2)


def latency_histogram(histogram: HdrHistogram, title: str) -> Figure:
    low, high = _log_range(histogram)
    values: list[float] = []
    counts: list[int] = []
    below = 0
    for item in histogram.get_recorded_iterator():
        value = item.value_iterated_to / SCALE
        if value < low:
            below += item.count_added_in_this_iter_step
        values.append(min(high, max(low, value)))
        counts.append(item.count_added_in_this_iter_step)
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.subplots()
    bins = np.geomspace(low, high * 1.0001, 60)
    ax.hist(values, bins=bins, weights=counts, color="#9ecae1", edgecolor="#3182bd", linewidth=0.4)
    ax.set_xscale("log")
    ax.set_xlim(low, high * 1.05)
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _ms(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    for percentile, label, colour, style in PERCENTILE_LINES:
        raw = (
            histogram.get_max_value()
            if percentile == 100
            else histogram.get_value_at_percentile(percentile)
        )
        value = max(FLOOR_MS, raw / SCALE)
        ax.axvline(
            value, color=colour, linestyle=style, linewidth=1.6, label=f"{label} {_ms(value)} ms"
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    note = f"; {below:,} below {_ms(low)} ms drawn at the left edge" if below else ""
    ax.set_title(f"{title} ({histogram.get_total_count():,} values{note})", loc="left", fontsize=11)
    ax.set_xlabel("ms (log scale)")
    ax.set_ylabel("count")
    ax.grid(alpha=0.3, which="major", axis="x")
    return figure


def throughput_vs_users(recorder: MetricsRecorder) -> Figure:
    windows = [w for _, w in sorted(recorder.windows.items()) if w.users and w.requests]
    if len(windows) > 2:
        windows = windows[1:-1]  # the first and last windows are partial (start, stop)
    by_users: dict[int, list[tuple[float, float]]] = {}
    for w in windows:
        by_users.setdefault(w.users, []).append(
            (w.requests / recorder.window_s, w.output_tokens / recorder.window_s)
        )
    users = sorted(by_users)
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    ax = figure.subplots()
    tokens_ax = ax.twinx()
    if users:
        width = max(users) * 0.035 + 0.2
        for index, (axis, colour, label, marker) in enumerate(
            ((ax, "#1f77b4", "requests/s", "o"), (tokens_ax, "#ff7f0e", "output tokens/s", "s"))
        ):
            means = [float(np.mean([p[index] for p in by_users[u]])) for u in users]
            lows = [
                m - min(p[index] for p in by_users[u]) for m, u in zip(means, users, strict=True)
            ]
            highs = [
                max(p[index] for p in by_users[u]) - m for m, u in zip(means, users, strict=True)
            ]
            offset = (-width if index == 0 else width) / 2
            axis.errorbar(
                [u + offset for u in users],
                means,
                yerr=[lows, highs],
                fmt=marker + "-",
                color=colour,
                label=f"{label} (mean, min–max over windows)",
                capsize=3,
            )
            axis.set_ylim(bottom=0, top=max(means[i] + highs[i] for i in range(len(users))) * 1.2)
        ax.set_xlim(0, max(users) * 1.15 + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("concurrent users")
    ax.set_ylabel("requests/s", color="#1f77b4")
    tokens_ax.set_ylabel("output tokens/s", color="#ff7f0e")
    ax.grid(alpha=0.3)
    ax.set_title("Throughput against concurrent users", loc="left", fontsize=11)
    if users:
        figure.legend(loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    return figure


def charts(
    recorder: MetricsRecorder, started: float, server: dict[str, Any] | None = None
) -> Iterator[Chart]:
    """(file stem, figure) for every chart the data allows."""
    yield "latency_over_time", latency_over_time(recorder, started, server)
    yield "throughput_vs_users", throughput_vs_users(recorder)
    for name, title in LATENCIES:
        histogram = recorder.histograms.get(name)
        if histogram is not None and histogram.get_total_count():
            yield f"{HISTOGRAM_FILES[name]}_histogram", latency_histogram(histogram, title)


def write_plots(
    recorder: MetricsRecorder,
    started: float,
    directory: Path,
    svgs: dict[str, str] | None = None,
    server: dict[str, Any] | None = None,
) -> list[Path]:
    """Write every chart as a PNG; return the files written. With ``svgs``, also put each
    chart there as an inline SVG document (text kept as text), keyed by file stem.
    ``server`` is summary.json's ``server_metrics``, drawn under the latency over time."""
    return [
        save_chart(stem, figure, directory, svgs)
        for stem, figure in charts(recorder, started, server)
    ]


def save_chart(stem: str, figure: Figure, directory: Path, svgs: dict[str, str] | None) -> Path:
    """``STEM.png`` in ``directory``; with ``svgs``, the same chart as inline SVG text there."""
    from matplotlib import rc_context

    path = _save(figure, directory / f"{stem}.png")
    if svgs is not None:
        with rc_context({"svg.fonttype": "none"}):
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg")
        text = buffer.getvalue()
        svgs[stem] = text[text.index("<svg") :]
    return path


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, format="png", dpi=100)
    return path


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
    figure = Figure(figsize=(9, 8), layout="constrained")
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
    figure = Figure(figsize=(9, 5), layout="constrained")
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
