"""Accumulates request results into histograms and counters, drains deltas, merges them back.

The same object serves every role: a worker records and periodically :meth:`drain`\\ s what it
gathered since the last report; the master (or a lone local process) :meth:`merge`\\ s those
snapshots. Everything a snapshot holds adds up exactly (integer counts, HdrHistogram counts, cost in
pico-dollars), so the merged figures do not depend on how the load was split between workers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from hdrh.histogram import HdrHistogram

from routify_suite.load.health import GeneratorHealth
from routify_suite.load.histograms import (
    TIMELINE_DIGITS,
    add_encoded,
    encode,
    new_histogram,
    record,
    summarize,
    units,
)
from routify_suite.load.metrics import RequestResult

PICO: Final = 10**12
PENDING_LIMIT: Final = 4096
"""Distinct inter-token gap values (µs) tallied before they go into the histogram."""


def _to_pico(usd: float) -> int:
    return round(usd * PICO)


@dataclass(slots=True)
class Window:
    """One time bucket of the run, for the plots over time (TTFT, ITL and e2e percentiles)."""

    requests: int = 0
    failures: int = 0
    output_tokens: int = 0
    users: int = 0
    histograms: dict[str, HdrHistogram] = field(default_factory=dict)

    def histogram(self, name: str) -> HdrHistogram:
        if name not in self.histograms:
            self.histograms[name] = new_histogram(TIMELINE_DIGITS)
        return self.histograms[name]


class MetricsRecorder:
    """Exact, mergeable measurements of a load run (see module docstring)."""

    def __init__(self, window_s: int = 1, goodput_bounds: dict[str, float] | None = None) -> None:
        self.window_s = max(1, int(window_s))
        self.goodput_bounds = dict(goodput_bounds or {})
        """Per-request maxima (ms) a request must meet to count as good (vLLM/AIPerf goodput)."""
        self._reset()

    def _reset(self) -> None:
        self.requests = 0
        self.failures = 0
        self.interrupted = 0
        self.missed = 0
        self.good = 0
        self.reconnects = 0
        self.output_tokens = 0
        self.tokens_in_window = 0
        self.sent_in_window = 0
        self.cost_pusd = 0
        self.turns: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.token_sources: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.channel_requests: Counter[str] = Counter()
        self.channel_cost_pusd: Counter[str] = Counter()
        self._histograms: dict[str, HdrHistogram] = {}
        self._pending_itl: Counter[int] = Counter()
        self.windows: dict[int, Window] = {}
        self.generator = GeneratorHealth()

    @property
    def histograms(self) -> dict[str, HdrHistogram]:
        """The whole-run histograms, with every value recorded so far."""
        self._flush_itl()
        return self._histograms

    def _flush_itl(self) -> None:
        """Inter-token gaps are the commonest value (one per token): they are tallied in a
        Counter (C speed) and added to the HdrHistogram value by value only now and then."""
        if self._pending_itl:
            histogram = self._histograms.setdefault("itl_ms", new_histogram())
            for value, count in self._pending_itl.items():
                histogram.record_value(value, count)
            self._pending_itl.clear()

    def histogram(self, name: str) -> HdrHistogram:
        if name == "itl_ms":
            self._flush_itl()
        if name not in self._histograms:
            self._histograms[name] = new_histogram()
        return self._histograms[name]

    def window(self, wall_time: float) -> Window:
        key = int(wall_time // self.window_s) * self.window_s
        if key not in self.windows:
            self.windows[key] = Window()
        return self.windows[key]

    def record(self, result: RequestResult, wall_time: float) -> None:
        """Count one finished request; ``wall_time`` (epoch seconds) places it in a window."""
        window = self.window(wall_time)
        self.requests += 1
        window.requests += 1
        self.kinds[result.kind] += 1
        self.by_status[str(result.status)] += 1
        self.reconnects += result.reconnects
        if not result.ok:
            self.failures += 1
            window.failures += 1
            self.errors[result.error or "unknown"] += 1
        if result.channel is not None:
            self.channel_requests[result.channel] += 1
        if result.cost_usd is not None:
            cost = _to_pico(result.cost_usd)
            self.cost_pusd += cost
            if result.channel is not None:
                self.channel_cost_pusd[result.channel] += cost
        if result.turn is not None:
            self.turns[str(result.turn)] += 1
        if result.input_tokens is not None:
            record(self.histogram("request_input_tokens"), result.input_tokens)
        if result.prompt_tokens is not None:
            record(self.histogram("request_prompt_tokens"), result.prompt_tokens)
        if result.intended_at is not None:
            lag = result.schedule_lag_s or 0.0
            record(self.histogram("schedule_lag_ms"), lag * 1000)
            record(self.histogram("e2e_from_intended_ms"), (result.e2e_s + lag) * 1000)
        if not result.ok:
            return
        self._record_success(result, window)

    def _record_success(self, result: RequestResult, window: Window) -> None:
        record(self.histogram("e2e_ms"), result.e2e_s * 1000)
        record(window.histogram("e2e_ms"), result.e2e_s * 1000)
        if result.ttft_s is not None:
            record(self.histogram("ttft_ms"), result.ttft_s * 1000)
            record(window.histogram("ttft_ms"), result.ttft_s * 1000)
        gaps = Counter(units(gap * 1000) for gap in result.itl_s)
        self._pending_itl.update(gaps)
        if gaps:
            timeline = window.histogram("itl_ms")
            for value, count in gaps.items():
                timeline.record_value(value, count)
        if len(self._pending_itl) > PENDING_LIMIT:
            self._flush_itl()
        tokens = result.output_tokens
        if tokens is not None:
            record(self.histogram("request_output_tokens"), tokens)
        if self._is_good(result):
            self.good += 1
        if tokens:
            self.output_tokens += tokens
            window.output_tokens += tokens
            if result.token_source is not None:
                self.token_sources[result.token_source] += 1
            record(self.histogram("request_tokens_per_s"), result.tokens_per_s or 0.0)
            if result.ttft_s is not None and tokens > 1:
                tpot = (result.e2e_s - result.ttft_s) / (tokens - 1)
                record(self.histogram("tpot_ms"), tpot * 1000)

    def _is_good(self, result: RequestResult) -> bool:
        """Whether a successful request met every per-request bound of the SLO (a figure the
        request does not have, like the TTFT of a non-streaming one, bounds nothing)."""
        for name, limit in self.goodput_bounds.items():
            value = per_request_ms(result, name)
            if value is not None and value > limit:
                return False
        return True

    def latency_lines(self) -> list[str]:
        """``ttft_ms p50 ... · max ...`` for the headline latencies measured (Locust's log)."""
        lines = []
        for name in ("ttft_ms", "itl_ms", "e2e_ms"):
            histogram = self.histograms.get(name)
            if histogram is not None and histogram.get_total_count():
                figures = summarize(histogram)
                quantiles = " · ".join(f"{k} {figures[k]}" for k in ("p50", "p95", "p99", "max"))
                lines.append(f"{name} {quantiles}")
        return lines

    def note_missed(self, count: int) -> None:
        """Arrival-rate slots that fell inside the run but were never sent."""
        self.missed += count

    def note_interrupted(self) -> None:
        """A request still in flight when the run stopped (cut by the window's end): neither a
        success nor a failure; the tokens it had received count in :meth:`note_window_tokens`."""
        self.interrupted += 1

    def note_window_tokens(self, tokens: int, sent_inside: bool) -> None:
        """Output tokens that arrived inside the measured window (finished, cut or straddling),
        and whether the request was sent inside it (the achieved arrival rate)."""
        self.tokens_in_window += tokens
        self.sent_in_window += sent_inside

    def note_users(self, wall_time: float, users: int) -> None:
        """Remember the user count seen in a window (the highest, when sampled several times)."""
        window = self.window(wall_time)
        window.users = max(window.users, users)

    def snapshot(self) -> dict[str, Any]:
        """Everything recorded, as plain JSON/msgpack-safe data."""
        return {
            "window_s": self.window_s,
            "requests": self.requests,
            "failures": self.failures,
            "interrupted": self.interrupted,
            "missed": self.missed,
            "good": self.good,
            "turns": dict(self.turns),
            "reconnects": self.reconnects,
            "output_tokens": self.output_tokens,
            "tokens_in_window": self.tokens_in_window,
            "sent_in_window": self.sent_in_window,
            "cost_pusd": self.cost_pusd,
            "by_status": dict(self.by_status),
            "errors": dict(self.errors),
            "token_sources": dict(self.token_sources),
            "kinds": dict(self.kinds),
            "channel_requests": dict(self.channel_requests),
            "channel_cost_pusd": dict(self.channel_cost_pusd),
            "histograms": {name: encode(h) for name, h in self.histograms.items()},
            "generator": self.generator.snapshot(),
            "windows": {
                str(key): {
                    "requests": w.requests,
                    "failures": w.failures,
                    "output_tokens": w.output_tokens,
                    "users": w.users,
                    "histograms": {name: encode(h) for name, h in w.histograms.items()},
                }
                for key, w in self.windows.items()
            },
        }

    def drain(self) -> dict[str, Any]:
        """A snapshot of what was recorded since the last drain, then start afresh."""
        snapshot = self.snapshot()
        self._reset()
        return snapshot

    def merge(self, snapshot: dict[str, Any]) -> None:
        """Add a snapshot from :meth:`snapshot` or :meth:`drain` (another process's, usually)."""
        self.requests += snapshot["requests"]
        self.failures += snapshot["failures"]
        self.interrupted += snapshot.get("interrupted", 0)
        self.missed += snapshot.get("missed", 0)
        self.good += snapshot.get("good", 0)
        self.turns.update(snapshot.get("turns", {}))
        self.reconnects += snapshot.get("reconnects", 0)
        self.output_tokens += snapshot["output_tokens"]
        self.tokens_in_window += snapshot.get("tokens_in_window", 0)
        self.sent_in_window += snapshot.get("sent_in_window", 0)
        self.cost_pusd += snapshot["cost_pusd"]
        self.by_status.update(snapshot["by_status"])
        self.errors.update(snapshot["errors"])
        self.token_sources.update(snapshot["token_sources"])
        self.kinds.update(snapshot["kinds"])
        self.channel_requests.update(snapshot["channel_requests"])
        self.channel_cost_pusd.update(snapshot["channel_cost_pusd"])
        for name, encoded in snapshot["histograms"].items():
            add_encoded(self.histogram(name), encoded)
        if "generator" in snapshot:
            self.generator.merge(snapshot["generator"])
        for key, data in snapshot["windows"].items():
            # Windows are keyed by epoch seconds, so workers' windows line up by wall clock.
            window = self.window(float(key))
            window.requests += data["requests"]
            window.failures += data["failures"]
            window.output_tokens += data["output_tokens"]
            window.users = max(window.users, data["users"])
            for name, encoded in data["histograms"].items():
                add_encoded(window.histogram(name), encoded)

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> MetricsRecorder:
        recorder = cls(snapshot.get("window_s", 1))
        recorder.merge(snapshot)
        return recorder


def per_request_ms(result: RequestResult, name: str) -> float | None:
    """A request's ``ttft_ms``, ``e2e_ms``, ``tpot_ms`` or mean ``itl_ms``; None: not measured."""
    if name == "e2e_ms":
        return result.e2e_s * 1000
    if name == "ttft_ms":
        return None if result.ttft_s is None else result.ttft_s * 1000
    if name == "itl_ms":
        return sum(result.itl_s) / len(result.itl_s) * 1000 if result.itl_s else None
    if name == "tpot_ms":
        tokens = result.output_tokens or 0
        if result.ttft_s is None or tokens < 2:
            return None
        return (result.e2e_s - result.ttft_s) / (tokens - 1) * 1000
    return None
