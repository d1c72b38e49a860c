"""Load runs side by side: each metric per run, its change from the first run, and a 95 %
confidence interval of that change, bootstrapped from the runs' ``requests.jsonl``.

Why a bootstrap: two runs against the same server never give the same p50, and a regression
gate that trips on that noise is switched off within a week. Resampling each run's own
per-request records says how far a figure moves by chance alone, without assuming a
distribution (latencies are skewed and multi-modal). The resampling is seeded, so the same
directories always give the same interval.

Every figure here is computed from the in-window records of ``requests.jsonl`` (the same file
for the point value and its interval), not read from summary.json, so an interval always
belongs to the value it is printed beside. The resampling unit is a second of the run, not a
request (:mod:`routify_suite.load.bootstrap` says why): latencies pool the requests sent in the
drawn seconds, rates (output tokens/s, requests/s) average their buckets. Rates are
steady-state figures: the first and last seconds (ramp-up, streams cut by the end) are left
out, as the throughput chart does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import orjson

from routify_suite.load.bootstrap import (
    RESAMPLES,
    Population,
    block_weights,
    point,
    population,
    resampled,
)
from routify_suite.load.records import RECORD_FILE
from routify_suite.report.model import read_document

NAN: Final = float("nan")
SUMMARY_FILE: Final = "summary.json"
SEED: Final = 20
CONFIDENCE: Final = 0.95

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
STATS: Final = ("p50", "p90", "p95", "p99")
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


COLUMNS: Final = ("sent_at", "output_tokens", *LATENCIES)
"""The requests.jsonl fields the comparison reads, kept as float columns (NaN for null)."""


@dataclass(slots=True)
class LoadRun:
    """One load report directory: its summary and its in-window records, as columns (a run of
    a million requests is a few arrays, not a million dicts)."""

    directory: Path
    summary: dict[str, Any]
    columns: dict[str, np.ndarray]
    ok: np.ndarray
    """Per record: it succeeded (no error)."""
    name: str = ""

    @property
    def records(self) -> int:
        return len(self.ok)

    @property
    def started(self) -> float:
        return float((self.summary.get("run") or {}).get("started") or 0.0)

    @property
    def duration_s(self) -> float:
        return float(self.summary.get("duration_s") or 0.0)

    @property
    def seconds(self) -> int:
        """One-second blocks of the measured window (the bootstrap's unit)."""
        return max(1, round(self.duration_s))

    def population(self, field_name: str) -> Population:
        """What a metric of ``field_name`` resamples: a latency's values over in-window
        requests that succeeded, each in the second it was sent in; or a rate's buckets."""
        if field_name in RATES:
            counts = self.buckets(field_name)
            first = (self.seconds - len(counts)) // 2  # 1 when the edges were left out
            return population(counts, np.arange(first, first + len(counts)), self.seconds)
        column = self.columns[field_name]
        keep = self.ok & ~np.isnan(column)
        sent = np.nan_to_num(self.columns["sent_at"][keep], nan=self.started) - self.started
        blocks = np.clip(sent, 0, self.seconds - 1).astype(np.intp)
        return population(column[keep], blocks, self.seconds)

    def buckets(self, rate: str) -> np.ndarray:
        """Requests (by the second they ended in) or output tokens (spread evenly from the
        first token to the last, as they arrived) per one-second bucket of the window; the
        first and last seconds, partial by nature (ramp-up, streams cut), are left out."""
        seconds = self.seconds
        columns = self.columns
        sent = columns["sent_at"]
        known = ~np.isnan(sent)
        start = sent[known] - self.started
        ended = start + np.nan_to_num(columns["e2e_ms"][known]) / 1000
        if rate == "rps":
            ends = np.clip(ended, 0, seconds - 1).astype(int)
            counts = np.bincount(ends, minlength=seconds).astype(float)
        else:
            tokens = np.nan_to_num(columns["output_tokens"][known])
            first = start + np.nan_to_num(columns["ttft_ms"][known]) / 1000
            counts = _spread(seconds, tokens, first, np.maximum(first, ended))
        return counts[1:-1] if len(counts) >= EDGE_MIN_SECONDS else counts


def _ramps(grid: np.ndarray, starts: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """``sum(slope * max(0, t - start))`` at every t of ``grid``, in O((n + len(grid)) log n)."""
    order = np.argsort(starts)
    starts, slopes = starts[order], slopes[order]
    slope_sums = np.concatenate([[0.0], np.cumsum(slopes)])
    offset_sums = np.concatenate([[0.0], np.cumsum(slopes * starts)])
    below = np.searchsorted(starts, grid, side="left")
    return grid * slope_sums[below] - offset_sums[below]


def _spread(seconds: int, amounts: np.ndarray, begins: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per one-second bucket of [0, seconds), the ``amounts`` each spread evenly over its
    [begin, end] (what falls outside the window is dropped): differences of the cumulative
    amount, a sum of ramps, at the bucket edges."""
    grid = np.arange(seconds + 1, dtype=float)
    spans = ends - begins
    spread = spans > 1e-9
    slopes = amounts[spread] / spans[spread]
    cumulative = _ramps(grid, begins[spread], slopes) - _ramps(grid, ends[spread], slopes)
    counts = np.diff(cumulative)
    instant = ~spread & (begins >= 0) & (begins < seconds)
    points = np.bincount(begins[instant].astype(int), weights=amounts[instant], minlength=seconds)
    return counts + points[:seconds]


def read_run(path: Path) -> LoadRun:
    directory = path if path.is_dir() else path.parent
    summary_path = directory / SUMMARY_FILE
    summary = read_document(summary_path, ComparisonError)
    if not isinstance(summary, dict) or "ttft_ms" not in summary:
        raise ComparisonError(f"{summary_path}: not a routify-suite load summary")
    records_path = directory / RECORD_FILE
    if not records_path.is_file():
        raise ComparisonError(
            f"{directory}: no {RECORD_FILE} (written by routify-suite load runs of this"
            " version); the intervals are bootstrapped from it"
        )
    values: dict[str, list[float]] = {name: [] for name in COLUMNS}
    ok: list[bool] = []
    try:
        with records_path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise ComparisonError(f"{records_path}:{number}: not JSON ({error})") from None
                if not isinstance(record, dict):
                    raise ComparisonError(f"{records_path}:{number}: not a JSON object")
                if not record.get("in_window", True):
                    continue
                for name, column in values.items():
                    value = record.get(name)
                    column.append(NAN if value is None else value)
                ok.append(not record.get("error"))
        columns = {name: np.array(column, dtype=float) for name, column in values.items()}
    except OSError as error:
        raise ComparisonError(f"{records_path}: cannot read ({error.strerror})") from None
    except (TypeError, ValueError) as error:  # a field that is not a number
        raise ComparisonError(f"{records_path}: not requests.jsonl records ({error})") from None
    name = directory.name or str(directory)
    return LoadRun(directory, summary, columns, np.array(ok, dtype=bool), name=name)


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


def compare(runs: list[LoadRun], metrics: list[Metric] | None = None) -> Comparison:
    """Every metric of every run, each later run's change against the first with its interval."""
    chosen = metrics if metrics is not None else [find_metric(n) for n in metric_names()]
    rng = np.random.default_rng(SEED)
    weights = [block_weights(run.seconds, rng) for run in runs]
    by_field: dict[str, list[Metric]] = {}
    for metric in chosen:
        by_field.setdefault(metric.name.partition(".")[0], []).append(metric)
    rows: dict[str, Row] = {}
    for field_name, metrics_of_field in by_field.items():
        stats = [metric.name.partition(".")[2] or "mean" for metric in metrics_of_field]
        samples = [run.population(field_name) for run in runs]
        boots = [
            resampled(sample, stats, weight) if len(sample) else None
            for sample, weight in zip(samples, weights, strict=True)
        ]
        for column, (metric, stat) in enumerate(zip(metrics_of_field, stats, strict=True)):
            values = [point(sample, stat) if len(sample) else None for sample in samples]
            changes = [
                _change(values[0], value, boots[0], boot, column)
                for value, boot in zip(values[1:], boots[1:], strict=True)
            ]
            rows[metric.name] = Row(metric, values, changes)
    return Comparison(runs, [rows[metric.name] for metric in chosen])


def _change(
    base: float | None,
    value: float | None,
    base_boot: np.ndarray | None,
    boot: np.ndarray | None,
    column: int,
) -> Change:
    """``value`` against ``base`` in percent, with the 95 % interval of the resampled ratio."""
    if not base or value is None or base_boot is None or boot is None:
        return Change(None, None, None)
    denominator = np.where(base_boot[:, column] == 0, np.nan, base_boot[:, column])
    ratios = 100 * (boot[:, column] / denominator - 1)
    if np.isnan(ratios).all():
        return Change(None, None, None)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.nanpercentile(ratios, [tail, 100 - tail])
    return Change(100 * (value / base - 1), float(low), float(high))
