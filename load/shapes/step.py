"""Locustfile: the step-ramp shape (``--shape-steps`` stairs up to ``--users``)."""

from routify_suite.load.shaping import StepShape

__all__ = ["StepShape"]
