"""Exact high-resolution latency histograms (HdrHistogram) that merge without loss.

Locust rounds response times into coarse buckets (10 ms steps above 100 ms), too coarse for TTFT
and inter-token latency. An HdrHistogram keeps every value to 3 significant digits over 1 µs..1 h
and two of them add up count by count, so percentiles merged from many workers are exactly the
percentiles one process would have computed from all the values.
"""

from __future__ import annotations

from typing import Final

from hdrh.histogram import HdrHistogram

LOWEST: Final = 1
HIGHEST: Final = 3_600_000_000
"""One hour in microseconds; longer values are clamped to it."""
DIGITS: Final = 3
"""Significant digits for whole-run histograms: values within 0.1 %."""
TIMELINE_DIGITS: Final = 2
"""Coarser histograms for the per-window time series (1 %), a tenth of the memory."""

PERCENTILES: Final = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0))
SCALE: Final = 1000.0
"""Values are stored in thousandths of the unit reported: µs for ms, milli-tokens for tokens."""


def new_histogram(digits: int = DIGITS) -> HdrHistogram:
    return HdrHistogram(LOWEST, HIGHEST, digits)


def units(value: float) -> int:
    """``value`` in the reported unit (e.g. ms) as the histogram's integer (µs), clamped."""
    return min(HIGHEST, max(0, round(value * SCALE)))


def record(histogram: HdrHistogram, value: float) -> None:
    """Record ``value`` (in the reported unit, e.g. ms) at microsecond resolution."""
    histogram.record_value(units(value))


def encode(histogram: HdrHistogram) -> str:
    """The compressed base64 form HdrHistogram libraries exchange (JSON- and msgpack-safe)."""
    return histogram.encode().decode("ascii")


def add_encoded(histogram: HdrHistogram, encoded: str) -> None:
    """Add a histogram received in :func:`encode` form (from a worker, or a metrics file)."""
    histogram.decode_and_add(encoded.encode("ascii"))


def decode(encoded: str, digits: int = DIGITS) -> HdrHistogram:
    histogram = new_histogram(digits)
    add_encoded(histogram, encoded)
    return histogram


def summarize(histogram: HdrHistogram) -> dict[str, float | int | None]:
    """p50/p90/p95/p99/max/mean and the count, in the reported unit; None values when empty."""
    count = histogram.get_total_count()
    if count == 0:
        return {name: None for name, _ in PERCENTILES} | {"max": None, "mean": None, "count": 0}
    figures: dict[str, float | int | None] = {
        name: _unit(histogram.get_value_at_percentile(percentile))
        for name, percentile in PERCENTILES
    }
    figures["max"] = _unit(histogram.get_max_value())
    figures["mean"] = round(histogram.get_mean_value() / SCALE, 3)
    figures["count"] = count
    return figures


def _unit(value: int) -> float:
    return round(value / SCALE, 3)
