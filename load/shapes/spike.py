"""Locustfile: the spike shape (a fifth of ``--users``, all of them in the middle fifth)."""

from routify_suite.load.shaping import SpikeShape

__all__ = ["SpikeShape"]
