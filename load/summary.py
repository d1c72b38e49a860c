"""``summary.json``: the run's figures in one flat, stable document the SLO gate reads paths of."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from routify_suite.load.histograms import summarize
from routify_suite.load.recorder import PICO, MetricsRecorder

DYNAMIC_MAPS: Final = ("by_status", "errors", "by_kind", "by_channel", "token_counts", "by_turn")
"""Summary keys whose sub-keys depend on the run (status codes, channels...). An SLO may name any
sub-key of these; one that never occurred counts as 0."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """How the run was set up and when it ran (epoch seconds); no secrets."""

    started: float
    stopped: float
    scenario: str = ""
    shape: str = ""
    users: int = 0
    workers: int = 0
    target: str = ""
    model: str = ""
    client: str = ""
    arrival_rate: float = 0.0
    locust_requests: int | None = None
    """Locust's own request count, a cross-check that no result was lost on the way."""
    notes: list[str] = field(default_factory=list)
    arrival: dict[str, Any] | None = None
    """The open model's schedule (process, rate, burstiness, seed, processes); None: closed."""
    workload: dict[str, Any] = field(default_factory=dict)
    """What the workload asked for (:meth:`load.workloads.WorkloadSpec.describe`)."""

    @property
    def duration_s(self) -> float:
        return max(0.0, self.stopped - self.started)


def build_summary(recorder: MetricsRecorder, run: RunInfo) -> dict[str, Any]:
    """The summary document; every key is present even when the run measured nothing."""
    duration = run.duration_s
    requests = recorder.requests
    histograms = recorder.histograms
    empty = MetricsRecorder()

    def figures(name: str) -> dict[str, float | int | None]:
        return summarize(histograms.get(name) or empty.histogram(name))

    return {
        "requests": requests,
        "failures": recorder.failures,
        "interrupted": recorder.interrupted,
        "reconnects": recorder.reconnects,
        "rps": _rate(requests, duration),
        "error_rate": round(recorder.failures / requests, 6) if requests else 0.0,
        "duration_s": round(duration, 3),
        "ttft_ms": figures("ttft_ms"),
        "itl_ms": figures("itl_ms"),
        "e2e_ms": figures("e2e_ms"),
        "tpot_ms": figures("tpot_ms"),
        "output_tokens_total": recorder.output_tokens,
        # Tokens that arrived inside the window, from finished, cut and straddling requests
        # alike: past capacity this stays at the server's rate (a snapshot without it: the
        # tokens of the requests that finished).
        "output_tokens_per_s": _rate(_window_tokens(recorder), duration),
        "output_tokens_in_window": _window_tokens(recorder),
        "cut_by_window": recorder.interrupted,
        "input_tokens": token_block(
            run.workload.get("input_tokens"),
            figures("request_input_tokens"),
            "tokenizer",
            figures("request_prompt_tokens"),
        ),
        "output_tokens": token_block(
            run.workload.get("output_tokens"),
            figures("request_output_tokens"),
            _output_source(recorder.token_sources),
        ),
        "tokenizer": run.workload.get("tokenizer"),
        "server_prompt_tokens": _achieved(figures("request_prompt_tokens")),
        "prompt_tokens_gap": _gap(
            figures("request_input_tokens"), figures("request_prompt_tokens")
        ),
        "missed": recorder.missed,
        "arrivals": _arrivals(run.arrival, recorder, duration),
        "good_requests": recorder.good,
        "goodput_rps": _rate(recorder.good, duration),
        "by_turn": dict(sorted(recorder.turns.items(), key=lambda item: int(item[0]))),
        "request_tokens_per_s": figures("request_tokens_per_s"),
        "token_counts": dict(sorted(recorder.token_sources.items())),
        "by_status": dict(sorted(recorder.by_status.items())),
        "errors": dict(sorted(recorder.errors.items())),
        "by_kind": dict(sorted(recorder.kinds.items())),
        "by_channel": {
            channel: {
                "requests": recorder.channel_requests[channel],
                "cost_usd": recorder.channel_cost_pusd[channel] / PICO,
            }
            for channel in sorted(recorder.channel_requests)
        },
        "cost_usd": recorder.cost_pusd / PICO,
        "schedule_lag_ms": figures("schedule_lag_ms"),
        "e2e_from_intended_ms": figures("e2e_from_intended_ms"),
        "generator": recorder.generator.summary(run.started),
        "run": asdict(run) | {"duration_s": round(duration, 3)},
        "slo": {"passed": True, "breaches": []},
    }


def _arrivals(
    arrival: dict[str, Any] | None, recorder: MetricsRecorder, duration: float
) -> dict[str, Any] | None:
    """The schedule asked for against what went out: sent per second in the window, missed."""
    if not arrival:
        return None
    achieved = _rate(recorder.sent_in_window, duration)
    target = arrival.get("rate") or 0.0
    return {
        **arrival,
        "achieved_rps": achieved,
        "achieved_ratio": round(achieved / target, 4) if target else None,
        "missed": recorder.missed,
    }


def _window_tokens(recorder: MetricsRecorder) -> int:
    return recorder.tokens_in_window or recorder.output_tokens


def _output_source(sources: Any) -> str:
    """``usage`` when every reply had a usage block; else how the rest were counted."""
    if set(sources) <= {"usage"}:
        return "usage"
    return "tokenizer" if "tokenizer" in sources else "deltas"


def _achieved(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: figures[key] for key in ("mean", "p50", "p90", "max")}


def token_block(
    requested: dict[str, float] | None,
    measured: dict[str, Any],
    source: str,
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``{"requested": {mean, stddev}, "achieved": {mean, p50, p90, max}, "source"}``.

    Input counts come from the tokenizer (the server's ``usage.prompt_tokens`` when no prompt was
    counted, e.g. a run of an older plugin); output counts from ``usage`` when every reply had it.
    """
    if not measured.get("count") and fallback is not None and fallback.get("count"):
        measured, source = fallback, "usage"
    return {
        "requested": requested or {"mean": None, "stddev": None},
        "achieved": _achieved(measured),
        "source": source,
    }


def _gap(tokenizer: dict[str, Any], server: dict[str, Any]) -> dict[str, float | None]:
    """How the server's prompt counts differ from the tokenizer's (chat framing, its own BPE)."""
    ours, theirs = tokenizer.get("mean"), server.get("mean")
    if not ours or theirs is None:
        return {"mean": None, "ratio": None}
    return {"mean": round(theirs - ours, 3), "ratio": round(theirs / ours, 4)}


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 3) if seconds > 0 else 0.0


def write_summary(summary: dict[str, Any], directory: Path) -> Path:
    path = directory / "summary.json"
    path.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
