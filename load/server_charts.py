"""The server's own metrics over time, drawn under the client's latency in report.html.

Of everything an endpoint exposes, the chart picks what explains client latency: requests the
server is working on and requests it queues (one panel: counts), and the tokens it generates per
second (another). Names differ between servers (``routify_requests_queued``,
``llamacpp:requests_deferred``, ``vllm:num_requests_waiting``...), so series are chosen by what
their names say; an endpoint with none of these gets its first few gauges. Every series stays in
summary.json whether charted or not. The panels go at the bottom of the latency-over-time chart,
on its x axis (seconds since the measured window began), so a queue and a latency rise line up.
"""

from __future__ import annotations

import re
from typing import Any, Final

PANELS: Final = (
    (
        "requests",
        re.compile(r"in_flight|running|processing|active", re.I),
        re.compile(r"queue|waiting|deferred|pending", re.I),
    ),
    ("tokens/s", re.compile(r"^(?!.*prompt).*tokens?.*_per_s", re.I)),
)
LINES_PER_PANEL: Final = 3
FALLBACK_SERIES: Final = 3


def choose(series: dict[str, list[list[float]]]) -> list[tuple[str, list[str]]]:
    """(panel title, series names) for the chart; at most a few lines per panel."""
    panels: list[tuple[str, list[str]]] = []
    taken: set[str] = set()
    for title, *patterns in PANELS:
        names = []
        for pattern in patterns:
            names += [n for n in series if pattern.search(n) and n not in taken][:1]
            taken.update(names)
        if names:
            panels.append((title, names[:LINES_PER_PANEL]))
    if not panels:
        gauges = [name for name in series if "_per_s" not in name][:FALLBACK_SERIES]
        rates = [name for name in series if "_per_s" in name][: FALLBACK_SERIES - len(gauges)]
        panels = [(name, [name]) for name in gauges + rates]
    return panels


def draw_panels(axes: Any, block: dict[str, Any], panels: list[tuple[str, list[str]]]) -> None:
    """One panel per chosen group, on axes that share the latency panels' x axis (scrapes
    from before the measured window, a warm-up's, stay in summary.json only)."""
    series = block.get("series") or {}
    every = f"{block.get('interval_s', 1):g} s"
    for ax, (title, names) in zip(axes, panels, strict=True):
        for name in names:
            shown = [point for point in series[name] if point[0] >= 0] or [[0.0, 0.0]]
            xs, ys = zip(*shown, strict=True)
            # A rate's point is the mean over the interval before it: drawn as a step back.
            style = "steps-pre" if name.partition("{")[0].endswith("_per_s") else "default"
            ax.plot(xs, ys, marker=".", drawstyle=style, label=name)
        ax.set_title(f"Server: {title} (scraped every {every})", loc="left", fontsize=11)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)


def server_panels(summary_block: Any) -> list[tuple[str, list[str]]]:
    """The panels to draw for summary.json's ``server_metrics`` (none without series)."""
    if not isinstance(summary_block, dict):
        return []
    return choose(summary_block.get("series") or {})
