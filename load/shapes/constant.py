"""Locustfile: the constant-users shape. Combine with a scenario: ``-f SCENARIO,THIS``."""

from load.shaping import ConstantShape

__all__ = ["ConstantShape"]
