"""Locustfile: the step-ramp shape (``--shape-steps`` stairs up to ``--users``)."""

from load.shaping import StepShape

__all__ = ["StepShape"]
