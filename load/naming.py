"""What a Locust run's scenario and shape are called, as ``routify-suite load`` names them.

The plugin writes these into summary.json so that a plain-``locust`` run reads like a CLI run.
"""

from __future__ import annotations

import re
from typing import Any


def scenario_name(user_classes: Any) -> str:
    """The scenario as ``routify-suite load --scenario`` names it: StreamUser -> "stream"."""
    names = sorted({cls.__name__.removesuffix("User").lower() for cls in user_classes})
    return ",".join(names)


def shape_name(shape: Any) -> str:
    """The shape as ``--shape`` names it: ConstantArrivalRateShape -> constant-arrival-rate."""
    if shape is None:
        return "constant"
    name = type(shape).__name__.removesuffix("Shape")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
