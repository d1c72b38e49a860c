"""The deviations a conforming server never shows, and the legal variations it may show.

Each deviation names the check ids of which at least one must fail; each variation must pass the
whole suite; each tolerated departure must come out "non-strict". The entries live in one module
per area; this module puts them together.
"""

from __future__ import annotations

from tests.mutation.deviation import Deviation
from tests.mutation.deviations_errors import ERROR_DEVIATIONS
from tests.mutation.deviations_generated import GENERATED_DEVIATIONS
from tests.mutation.deviations_params import PARAM_DEVIATIONS
from tests.mutation.deviations_shape import SHAPE_DEVIATIONS
from tests.mutation.deviations_stream import STREAM_DEVIATIONS
from tests.mutation.variations import TOLERATED, VARIATIONS

DEVIATIONS: tuple[Deviation, ...] = (
    *STREAM_DEVIATIONS,
    *SHAPE_DEVIATIONS,
    *ERROR_DEVIATIONS,
    *PARAM_DEVIATIONS,
)

GENERATED: tuple[Deviation, ...] = GENERATED_DEVIATIONS
"""Deviations the fixed cases pass and ``--fuzz`` fails."""

ALL: dict[str, Deviation] = {
    item.name: item for item in (*DEVIATIONS, *VARIATIONS, *TOLERATED, *GENERATED)
}

__all__ = ["ALL", "DEVIATIONS", "GENERATED", "TOLERATED", "VARIATIONS"]
