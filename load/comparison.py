"""Load runs side by side: each metric per run, its change from the first run, and a 95 %
confidence interval of that change, bootstrapped from the runs' ``requests.jsonl``.

Why a bootstrap: two runs against the same server never give the same p50, and a regression
gate that trips on that noise is switched off within a week. Resampling each run's own
per-request records says how far a figure moves by chance alone, without assuming a
distribution (latencies are skewed and multi-modal). The resampling is seeded, so the same
directories always give the same interval.

Every figure here is computed from the in-window records of ``requests.jsonl`` (the same file
for the point value and its interval), not read from summary.json, so an interval always
belongs to the value it is printed beside. Latencies resample requests; rates (output
tokens/s, requests/s) resample the run's one-second buckets, so a stall that emptied some
seconds widens their interval as it should. Rates are steady-state figures: the first and
last seconds (ramp-up, streams cut by the end) are left out, as the throughput chart does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from routify_suite.report.model import read_document

REQUESTS_FILE: Final = "requests.jsonl"
SUMMARY_FILE: Final = "summary.json"
RESAMPLES: Final = 2000
SEED: Final = 20
CONFIDENCE: Final = 0.95
CHUNK_VALUES: Final = 2_000_000
"""Resampled values drawn at once (bounds memory for runs of 100,000 requests)."""

EDGE_MIN_SECONDS: Final = 5
"""Runs at least this long leave their first and last second out of the rates."""

LATENCIES: Final = {
    "ttft_ms": "TTFT",
    "tpot_ms": "TPOT",
    "e2e_ms": "E2E",
    "itl_p50_ms": "ITL, each request's median gap",
    "itl_max_ms": "ITL, each request's longest gap",
}
"""requests.jsonl fields compared as distributions (higher is worse)."""
STATS: Final = ("p50", "p90", "p95", "p99", "mean")
RATES: Final = {"output_tokens_per_s": "output tokens/s", "rps": "requests/s"}
"""Throughputs compared as means over one-second buckets (lower is worse)."""
SUMMARY_ONLY: Final = {
    "itl_ms": "itl_ms in summary.json is per gap; requests.jsonl keeps each request's"
    " itl_p50_ms and itl_max_ms: use itl_p50_ms.STAT or itl_max_ms.STAT",
}


class ComparisonError(ValueError):
    """A run directory that cannot be compared; the message is one line."""


@dataclass(frozen=True, slots=True)
class Metric:
    """One comparable figure: ``ttft_ms.p50``, ``output_tokens_per_s``..."""

    name: str
    label: str
    higher_is_worse: bool
    unit: str


def metric_names() -> list[str]:
    return [f"{field}.{stat}" for field in LATENCIES for stat in STATS] + list(RATES)


def find_metric(name: str) -> Metric:
    """The metric called ``name``; a :class:`ComparisonError` naming the known ones if none."""
    field_name, _, stat = name.partition(".")
    if field_name in LATENCIES and stat in STATS:
        return Metric(name, f"{LATENCIES[field_name]} {stat}", True, "ms")
    if name in RATES:
        return Metric(name, RATES[name], False, "/s")
    if field_name in SUMMARY_ONLY:
        raise ComparisonError(f"{name}: {SUMMARY_ONLY[field_name]}")
    stats = "|".join(STATS)
    known = f"{{{','.join(LATENCIES)}}}.{{{stats}}} or {', '.join(RATES)}"
    raise ComparisonError(f"{name!r} is not a metric of requests.jsonl; one of {known}")


@dataclass(slots=True)
class LoadRun:
    """One load report directory: its summary and its in-window request records."""

    directory: Path
    summary: dict[str, Any]
    records: list[dict[str, Any]]
    name: str = ""

    @property
    def started(self) -> float:
        return float((self.summary.get("run") or {}).get("started") or 0.0)

    @property
    def duration_s(self) -> float:
        return float(self.summary.get("duration_s") or 0.0)

    def values(self, field_name: str) -> np.ndarray:
        """The field's non-null values over in-window requests that succeeded."""
        return np.array(
            [
                r[field_name]
                for r in self.records
                if r.get(field_name) is not None and not r.get("error")
            ],
            dtype=float,
        )

    def buckets(self, rate: str) -> np.ndarray:
        """Requests (by the second they ended in) or output tokens (spread evenly from the
        first token to the last, as they arrived) per one-second bucket of the window; the
        first and last seconds, partial by nature (ramp-up, streams cut), are left out."""
        seconds = max(1, round(self.duration_s))
        counts = np.zeros(seconds)
        for record in self.records:
            sent = record.get("sent_at")
            if sent is None:
                continue
            start = sent - self.started
            ended = start + (record.get("e2e_ms") or 0.0) / 1000
            if rate == "rps":
                counts[min(seconds - 1, max(0, int(ended)))] += 1
                continue
            tokens = record.get("output_tokens") or 0
            first = start + (record.get("ttft_ms") or 0.0) / 1000
            _spread(counts, tokens, first, max(first, ended))
        return counts[1:-1] if len(counts) >= EDGE_MIN_SECONDS else counts


def _spread(counts: np.ndarray, amount: float, begin: float, end: float) -> None:
    """Add ``amount`` to the buckets of ``counts`` in proportion to their overlap with
    [begin, end] (seconds since the window began; what falls outside the window is dropped)."""
    if not amount:
        return
    if end - begin < 1e-9:
        if 0 <= begin < len(counts):
            counts[int(begin)] += amount
        return
    density = amount / (end - begin)
    for index in range(max(0, int(begin)), min(len(counts), int(end) + 1)):
        overlap = min(end, index + 1) - max(begin, index)
        if overlap > 0:
            counts[index] += density * overlap


def read_run(path: Path) -> LoadRun:
    directory = path if path.is_dir() else path.parent
    summary_path = directory / SUMMARY_FILE
    summary = read_document(summary_path, ComparisonError)
    if not isinstance(summary, dict) or "ttft_ms" not in summary:
        raise ComparisonError(f"{summary_path}: not a routify-suite load summary")
    records_path = directory / REQUESTS_FILE
    if not records_path.is_file():
        raise ComparisonError(
            f"{directory}: no {REQUESTS_FILE} (written by routify-suite load runs of this"
            " version); the intervals are bootstrapped from it"
        )
    records: list[dict[str, Any]] = []
    try:
        with records_path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise ComparisonError(f"{records_path}:{number}: not JSON ({error})") from None
                if not isinstance(record, dict):
                    raise ComparisonError(f"{records_path}:{number}: not a JSON object")
                if record.get("in_window", True):
                    records.append(record)
    except OSError as error:
        raise ComparisonError(f"{records_path}: cannot read ({error.strerror})") from None
    return LoadRun(directory, summary, records, name=directory.name or str(directory))


def name_runs(runs: list[LoadRun]) -> None:
    """Column names: each directory's name, its parent's too where two names collide."""
    names = [run.name for run in runs]
    for run in runs:
        if names.count(run.name) > 1:
            run.name = f"{run.directory.parent.name}/{run.directory.name}"


@dataclass(frozen=True, slots=True)
class Change:
    """A run's figure against the first run's: relative change and its 95 % interval (%)."""

    percent: float | None
    low: float | None
    high: float | None

    @property
    def known(self) -> bool:
        return self.percent is not None and self.low is not None and self.high is not None


@dataclass(slots=True)
class Row:
    metric: Metric
    values: list[float | None]
    changes: list[Change] = field(default_factory=list)
    """One per run after the first; against the first."""


@dataclass(slots=True)
class Comparison:
    runs: list[LoadRun]
    rows: list[Row]
    resamples: int = RESAMPLES


def _statistic(samples: np.ndarray, stat: str) -> np.ndarray:
    """The statistic of every row of ``samples`` (resamples × values)."""
    if stat == "mean":
        return samples.mean(axis=1)
    return np.percentile(samples, float(stat[1:]), axis=1)


def _resampled(values: np.ndarray, stat: str, rng: np.random.Generator) -> np.ndarray:
    """The statistic over :data:`RESAMPLES` resamples with replacement, in memory-bounded chunks."""
    out = np.empty(RESAMPLES)
    chunk = max(1, CHUNK_VALUES // max(1, len(values)))
    for start in range(0, RESAMPLES, chunk):
        count = min(chunk, RESAMPLES - start)
        picks = rng.integers(0, len(values), size=(count, len(values)))
        out[start : start + count] = _statistic(values[picks], stat)
    return out


def _sample(run: LoadRun, metric: Metric) -> tuple[np.ndarray, str]:
    """What is resampled for ``metric`` and the statistic taken of it."""
    if metric.name in RATES:
        return run.buckets(metric.name), "mean"
    field_name, _, stat = metric.name.partition(".")
    return run.values(field_name), stat


def compare(runs: list[LoadRun], metrics: list[Metric] | None = None) -> Comparison:
    """Every metric of every run, each later run's change against the first with its interval."""
    chosen = metrics if metrics is not None else [find_metric(n) for n in metric_names()]
    rows = []
    for metric in chosen:
        # One generator per metric, seeded the same: a row does not depend on the rows before it.
        rng = np.random.default_rng(SEED)
        samples = [_sample(run, metric) for run in runs]
        values = [
            float(_statistic(values[None, :], stat)[0]) if len(values) else None
            for values, stat in samples
        ]
        base_values, stat = samples[0]
        base_boot = _resampled(base_values, stat, rng) if len(base_values) else None
        changes = []
        for (other, _), value in zip(samples[1:], values[1:], strict=True):
            if base_boot is None or not len(other) or not values[0] or value is None:
                changes.append(Change(None, None, None))
                continue
            ratios = _resampled(other, stat, rng) / np.where(base_boot == 0, np.nan, base_boot)
            tail = (1 - CONFIDENCE) / 2 * 100
            low, high = np.nanpercentile(100 * (ratios - 1), [tail, 100 - tail])
            changes.append(Change(100 * (value / values[0] - 1), float(low), float(high)))
        rows.append(Row(metric, values, changes))
    return Comparison(runs, rows)
