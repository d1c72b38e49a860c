"""The load report.html: a run's summary.json and its charts as one self-contained page.

The load suite hands over the summary document and the charts as SVG text; this module only
lays them out (jinja2, the shared stylesheet inlined), so the report package stays free of
Locust and matplotlib. Everything a reader checks first is on top: the SLO verdict, the run's
configuration and the headline figures; then percentiles, the SLO table, capacity and charts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

from routify_suite.report.html import asset, environment

PERCENTILE_KEYS: Final = ("p50", "p90", "p95", "p99", "max", "mean")
PERCENTILE_ROWS: Final = (
    ("ttft_ms", "TTFT (time to first token)"),
    ("itl_ms", "ITL (inter-token latency)"),
    ("tpot_ms", "TPOT (time per output token)"),
    ("e2e_ms", "E2E (end to end)"),
    ("schedule_lag_ms", "schedule lag (open model)"),
    ("e2e_from_intended_ms", "E2E from intended send time"),
)
CHART_ROWS: Final = (
    (("latency_over_time", "TTFT, ITL and E2E percentiles per window; dotted: user changes"),),
    (
        ("ttft_histogram", "Time to first token, log-scaled"),
        ("itl_histogram", "Inter-token latency, log-scaled"),
    ),
    (
        ("e2e_histogram", "End-to-end latency, log-scaled"),
        ("throughput_vs_users", "Requests/s and output tokens/s against concurrent users"),
    ),
)


@dataclass(frozen=True, slots=True)
class Banner:
    kind: str
    verdict: str
    why: str


def _banner(summary: dict[str, Any]) -> Banner:
    slo = summary.get("slo") or {}
    bounds = slo.get("bounds") or slo.get("checked") or []
    requests = summary.get("requests", 0)
    what = f"{requests:,} requests, {summary.get('failures', 0):,} failed"
    if not bounds:
        return Banner("none", "no SLO checked", what)
    # Without --slo only the default error budget was checked: not an SLO, and said so.
    name = "error budget" if slo.get("default_budget") else "SLO"
    scope = f"no --slo given; checked only the {slo.get('source')} · " if name != "SLO" else ""
    if slo.get("passed"):
        return Banner("pass", f"{name} met", f"{scope}{len(bounds)} bound(s) held · {what}")
    messages = "; ".join(b.get("message", b.get("path", "")) for b in slo.get("breaches", []))
    return Banner("fail", f"{name} breached", scope + (messages or what))


def _config(run: dict[str, Any]) -> list[tuple[str, str]]:
    started = run.get("started")
    pairs = [
        ("scenario", run.get("scenario")),
        ("shape", run.get("shape")),
        ("users", run.get("users")),
        ("arrival rate", f"{run['arrival_rate']:g} req/s" if run.get("arrival_rate") else None),
        ("workers", run.get("workers")),
        ("duration", f"{run.get('duration_s', 0):.1f} s"),
        ("target", run.get("target")),
        ("model", run.get("model")),
        ("client", run.get("client")),
        (
            "started",
            time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)) if started else None,
        ),
    ]
    return [(label, str(value)) for label, value in pairs if value not in (None, "", 0)]


def _headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("requests", f"{summary.get('requests', 0):,}"),
        ("failed", f"{summary.get('failures', 0):,} ({summary.get('error_rate', 0.0):.2%})"),
        ("requests/s", f"{summary.get('rps', 0.0):,.2f}"),
        ("output tokens/s", f"{summary.get('output_tokens_per_s', 0.0):,.1f}"),
        ("in flight at stop", f"{summary.get('interrupted', 0):,}"),
        ("cost", f"${summary.get('cost_usd', 0.0):.6f}"),
    ]


def _step(step: dict[str, Any], dimension: str) -> dict[str, Any]:
    run = step.get("run") or {}
    at = step.get(dimension)
    if at is None:
        at = run.get("arrival_rate") if dimension == "rate" else run.get("users")
    slo = step.get("slo") or {}
    return {
        "at": at if at is not None else step.get("value"),
        "rps": step.get("rps"),
        "tokens": step.get("output_tokens_per_s"),
        "ttft_p95": (step.get("ttft_ms") or {}).get("p95"),
        "e2e_p95": (step.get("e2e_ms") or {}).get("p95"),
        "error_rate": step.get("error_rate"),
        "passed": slo.get("passed"),
    }


def _capacity(summary: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    capacity = summary.get("capacity")
    if not isinstance(capacity, dict):
        return None, []
    dimension = str(capacity.get("dimension") or "users")
    steps = [_step(step, dimension) for step in capacity.get("steps") or []]
    peak = max((s["tokens"] or 0 for s in steps), default=0) or 1
    for step in steps:
        step["share"] = round(100 * (step["tokens"] or 0) / peak)
    return {**capacity, "dimension": dimension}, steps


def render_load_report(summary: dict[str, Any], charts: dict[str, str]) -> str:
    """The page for one load run; ``charts`` maps a chart's file stem to its SVG text."""
    run = summary.get("run") or {}
    capacity, steps = _capacity(summary)
    errors = sorted((summary.get("errors") or {}).items(), key=lambda item: -item[1])
    title = f"Routify load: {run.get('scenario', '')} {run.get('shape', '')}".strip()
    return (
        environment()
        .get_template("load.html.j2")
        .render(
            title=title,
            banner=_banner(summary),
            config=_config(run),
            notes=run.get("notes") or [],
            headline=_headline(summary),
            percentile_keys=PERCENTILE_KEYS,
            percentiles=[
                (label, summary[name])
                for name, label in PERCENTILE_ROWS
                if (summary.get(name) or {}).get("count")
            ],
            slo_bounds=(summary.get("slo") or {}).get("bounds") or [],
            errors=errors,
            capacity=capacity,
            capacity_steps=steps,
            charts=charts,
            chart_rows=CHART_ROWS,
            css=asset("base.css"),
        )
    )
