"""Load shapes, the arrival schedule and the CLI's option parsing (no Locust process needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from routify_suite.load import shape_plans
from routify_suite.load.options import (
    LoadOptions,
    UsageError,
    check_options,
    parse_shape,
    parse_timespan,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60", 60), ("60s", 60), ("15m", 900), ("1h30m", 5400), ("1h", 3600), ("2m5s", 125)],
)
def test_timespan(text: str, seconds: int) -> None:
    assert parse_timespan(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "fast", "1.5s", "-3s", "5x"])
def test_bad_timespan(text: str) -> None:
    with pytest.raises(UsageError, match="--run-time"):
        parse_timespan(text)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("constant", ("constant", 0.0)),
        ("step", ("step", 0.0)),
        ("spike", ("spike", 0.0)),
        ("constant-arrival-rate", ("constant-arrival-rate", 0.0)),
        ("constant-arrival-rate:40", ("constant-arrival-rate", 40.0)),
    ],
)
def test_shape_names(text: str, parsed: tuple[str, float]) -> None:
    assert parse_shape(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ramp", "not one of"),
        ("step:4", "takes no parameter"),
        ("constant-arrival-rate:fast", "must be a positive number"),
        ("constant-arrival-rate:0", "must be a positive number"),
    ],
)
def test_bad_shapes(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_shape(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scenario": "soak"}, "--scenario"),
        ({"users": 0}, "--users"),
        ({"spawn_rate": 0.0}, "--spawn-rate"),
        ({"workers": -1}, "--workers"),
    ],
)
def test_bad_options(changes: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_options(LoadOptions(**changes))  # type: ignore[arg-type]


def test_constant_shape() -> None:
    assert [shape_plans.constant(t, 20, 5.0, 60.0, 4) for t in (0, 30, 59)] == [(20, 5.0)] * 3


def test_step_shape_climbs_in_equal_stairs() -> None:
    users = [shape_plans.step(t, 20, 5.0, 60.0, 4)[0] for t in (0, 14.9, 15, 30, 45, 59.9)]
    assert users == [5, 5, 10, 15, 20, 20]
    assert shape_plans.step(0, 3, 1.0, 60.0, 4)[0] == 1  # never zero users


def test_spike_shape() -> None:
    users = [shape_plans.spike(t, 50, 5.0, 100.0, 4)[0] for t in (0, 39.9, 40, 59.9, 60, 99)]
    assert users == [10, 10, 50, 50, 10, 10]
    assert shape_plans.spike(45, 50, 5.0, 100.0, 4)[1] >= 50  # the spike comes within a second


def test_cli_side_never_imports_locust() -> None:
    """Locust monkey-patches with gevent on import; the CLI process must never pull it in."""
    check = (
        "import sys, routify_suite.cli, routify_suite.load.run, routify_suite.load.report,"
        " routify_suite.load.plots, routify_suite.load.shape_plans;"
        "sys.exit('locust' in sys.modules or 'gevent' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", check], check=False, timeout=60).returncode == 0
