"""Locustfile: constant arrival rate. ``--arrival-rate R`` requests/s over ``--users`` users.

Each request's intended send time is recorded beside its actual one (coordinated omission).
"""

from routify_suite.load.shaping import ConstantArrivalRateShape

__all__ = ["ConstantArrivalRateShape"]
