"""Load shapes: how many users to run at each moment, as pure functions plus Locust classes.

Each shape reads the common options (``--users``, ``--spawn-rate``, ``--run-time``) so the same
command line drives any of them; the locustfiles under ``load/shapes/`` each expose one class.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from locust import LoadTestShape

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


class RoutifyShape(LoadTestShape):
    abstract: ClassVar[bool] = True
    use_common_options: ClassVar[bool] = True
    plan: ClassVar[Any] = staticmethod(constant)

    def tick(self) -> Tick | None:
        options = self.runner.environment.parsed_options if self.runner else None
        users = int(getattr(options, "num_users", None) or 1)
        spawn_rate = float(getattr(options, "spawn_rate", None) or users)
        run_time = getattr(options, "run_time", None)
        steps = int(getattr(options, "shape_steps", 4) or 4)
        t = self.get_run_time()
        if run_time and t >= run_time:
            return None
        period = float(run_time) if run_time else DEFAULT_PERIOD_S
        return type(self).plan(t % period, users, spawn_rate, period, steps)


class ConstantShape(RoutifyShape):
    """Constant users for the whole run."""

    plan = staticmethod(constant)


class StepShape(RoutifyShape):
    """A stair ramp up to ``--users``."""

    plan = staticmethod(step)


class SpikeShape(RoutifyShape):
    """Base load, a sudden spike to ``--users``, back to base."""

    plan = staticmethod(spike)


class ConstantArrivalRateShape(RoutifyShape):
    """A fixed pool of ``--users`` sending on a schedule of ``--arrival-rate`` requests/s."""

    plan = staticmethod(constant)
    paces_arrivals: ClassVar[bool] = True
