"""How many users to run at each moment of a run: pure functions of time, no Locust.

Each takes (t, users, spawn_rate, period, steps) and returns (users, spawn_rate) for
:class:`locust.LoadTestShape.tick`; ``period`` is the run time (or a default pattern length).
"""

from __future__ import annotations

import math

Tick = tuple[int, float]

DEFAULT_PERIOD_S = 60.0
"""The length of the pattern when no ``--run-time`` is given (the web UI case)."""


def constant(t: float, users: int, spawn_rate: float, period: float, steps: int) -> Tick:
    return users, spawn_rate


def step(t: float, users: int, spawn_rate: float, period: float, steps: int) -> Tick:
    """``steps`` equal stairs up to ``users`` over the run, each held for ``period / steps``."""
    steps = max(1, steps)
    index = min(steps - 1, int(t // (period / steps)))
    return max(1, math.ceil(users * (index + 1) / steps)), spawn_rate


def spike(t: float, users: int, spawn_rate: float, period: float, steps: int) -> Tick:
    """A base load of a fifth of ``users``; all of them in the middle fifth of the run."""
    base = max(1, users // 5)
    in_spike = 0.4 * period <= t < 0.6 * period
    # The spike arrives at once: spawn it within a second, whatever --spawn-rate says.
    return (users, max(spawn_rate, float(users))) if in_spike else (base, max(spawn_rate, users))
