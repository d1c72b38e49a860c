"""Load shapes as Locust classes, driven by the plans in ``shape_plans.py``.

Each shape reads the common options (``--users``, ``--spawn-rate``, ``--run-time``) so the same
command line drives any of them; the locustfiles under ``load/shapes/`` each expose one class.
"""

from __future__ import annotations

from typing import Any, ClassVar

from locust import LoadTestShape

from routify_suite.load.shape_plans import DEFAULT_PERIOD_S, Tick, constant, spike, step


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
