"""Locustfile: the constant-users shape. Combine with a scenario: ``-f SCENARIO,THIS``."""

from routify_suite.load.shaping import ConstantShape

__all__ = ["ConstantShape"]
