"""Locustfile: the spike shape (a fifth of ``--users``, all of them in the middle fifth)."""

from load.shaping import SpikeShape

__all__ = ["SpikeShape"]
