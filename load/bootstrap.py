"""A block bootstrap of a load run's figures: whole seconds of the run are resampled, not
single requests.

Requests of one run are not independent draws: a pause of the server, the client or the machine
delays every stream in flight at that moment, so one stall puts a dozen requests in the tail at
once. Resampling requests one by one would take those dozen as a dozen separate pieces of
evidence and report a tail change as far more certain than it is. Resampling one-second blocks
keeps such a moment whole: a resample draws S of the run's S seconds with replacement
(multinomial weights per second) and pools their requests. Every figure of a run uses the same
resamples, latencies and rates alike, so a row does not disagree with another by chance.

A percentile of a resample is the nearest rank (HdrHistogram's and summary.json's definition)
over the drawn seconds' pooled counts: one matrix product of the draws (resamples × seconds)
and the per-second counts of each value (seconds × values) gives every resample at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

RESAMPLES: Final = 2000
MAX_LEVELS: Final = 2000
"""Distinct values a population keeps for resampling; a larger run's sorted values are grouped
into this many equal-count levels (each then stands for its middle value), so the work per
resample grows with the run's seconds, not its requests."""


@dataclass(frozen=True, slots=True)
class Population:
    """What one metric resamples in one run: its values, sorted, and how many values of each
    level every second of the run holds."""

    values: np.ndarray
    levels: np.ndarray
    counts: np.ndarray
    """seconds × levels."""

    def __len__(self) -> int:
        return len(self.values)


def population(values: np.ndarray, blocks: np.ndarray, seconds: int) -> Population:
    """``values`` with the second (0..seconds-1) each belongs to."""
    order = np.argsort(values, kind="stable")
    values, blocks = values[order], blocks[order]
    count = len(values)
    if count <= MAX_LEVELS:
        level_of = np.arange(count)
        levels = values
    else:
        level_of = np.arange(count) * MAX_LEVELS // count
        middles = (
            np.searchsorted(level_of, np.arange(MAX_LEVELS))
            + np.searchsorted(level_of, np.arange(MAX_LEVELS), side="right")
            - 1
        ) // 2
        levels = values[middles]
    counts = np.zeros((seconds, len(levels)), dtype=np.float32)
    np.add.at(counts, (blocks, level_of), 1)
    return Population(values, levels, counts)


def block_weights(seconds: int, rng: np.random.Generator) -> np.ndarray:
    """How many times each of the run's seconds is drawn, per resample (resamples × seconds)."""
    draws = rng.multinomial(seconds, np.full(seconds, 1 / seconds), size=RESAMPLES)
    return draws.astype(np.float32)


def rank(count: float, stat: str) -> int:
    """The nearest rank (1-based) of percentile ``pNN`` among ``count`` values."""
    return max(1, math.ceil(float(stat[1:]) / 100 * count))


def point(sample: Population, stat: str) -> float:
    """The statistic of the whole run: the mean, or the nearest-rank percentile."""
    if stat == "mean":
        return float(sample.values.mean())
    return float(sample.values[min(len(sample), rank(len(sample), stat)) - 1])


def resampled(sample: Population, stats: list[str], weights: np.ndarray) -> np.ndarray:
    """Each statistic of every resample (resamples × stats); NaN where a resample drew only
    seconds without values."""
    pooled = (weights @ sample.counts).astype(float)  # resamples × levels
    cumulative = np.cumsum(pooled, axis=1)
    total = cumulative[:, -1]
    empty = total == 0
    out = np.empty((len(weights), len(stats)))
    for column, stat in enumerate(stats):
        if stat == "mean":
            figures = pooled @ sample.levels / np.where(empty, 1, total)
        else:
            target = np.maximum(1, np.ceil(float(stat[1:]) / 100 * total))
            figures = sample.levels[(cumulative >= target[:, None]).argmax(axis=1)]
        out[:, column] = np.where(empty, np.nan, figures)
    return out
