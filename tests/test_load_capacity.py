"""The capacity search on a model server: doubling, bisecting, the capacity block, exit codes."""

from __future__ import annotations

import pytest

from routify_suite.load.capacity import (
    Step,
    SweepError,
    capacity_block,
    exit_code,
    find_max,
    goodput_bounds,
    parse_sweep,
    result_sentence,
    run_sweep,
)
from routify_suite.load.slo import Bound

SLO = [Bound("itl_ms.p95", max=125), Bound("error_rate", max=0.01)]


def model(limit: float, calls: list[float]):  # type: ignore[no-untyped-def]
    """A server that meets the SLO up to ``limit`` (users or req/s); records what was run."""

    def run_step(value: float) -> Step:
        calls.append(value)
        summary = {"output_tokens_per_s": value * 10, "goodput_rps": value / 2, "rps": value}
        return Step(value, value <= limit, summary, f"steps/{value:g}")

    return run_step


@pytest.mark.parametrize(("start", "limit"), [(10, 12), (1, 12), (10, 37), (16, 5), (4, 4)])
def test_find_max_finds_the_exact_user_count(start: int, limit: int) -> None:
    calls: list[float] = []
    steps = find_max(start, True, model(limit, calls), max_steps=20)
    assert capacity_block("users", steps)["value"] == limit
    assert len(calls) == len(set(calls)) <= 12


def test_find_max_on_a_rate_stops_within_five_percent() -> None:
    steps = find_max(5.0, False, model(23.3, []), max_steps=20)
    value = capacity_block("rate", steps)["value"]
    assert 23.3 * 0.95 <= value <= 23.3


def test_find_max_is_bounded_and_can_find_nothing() -> None:
    calls: list[float] = []
    steps = find_max(8, True, model(0, calls), max_steps=3)
    assert calls == [8, 4, 2]
    capacity = capacity_block("users", steps)
    assert capacity["value"] is None
    assert exit_code(capacity, None) == 1
    assert result_sentence(capacity, SLO).startswith("capacity: none found at itl_ms.p95 <= 125")


def test_capacity_block_and_sentence() -> None:
    steps = run_sweep([10, 20, 50], model(20, []))
    capacity = capacity_block("users", steps)
    assert set(capacity) == {"dimension", "value", "output_tokens_per_s", "goodput_rps", "steps"}
    assert (capacity["value"], capacity["output_tokens_per_s"], capacity["goodput_rps"]) == (
        20,
        200.0,
        10.0,
    )
    assert [step["passed"] for step in capacity["steps"]] == [True, True, False]
    assert result_sentence(capacity, SLO) == (
        "capacity: 20 concurrent streams at itl_ms.p95 <= 125, error_rate <= 0.01,"
        " 200 output tokens/s, goodput 10 req/s"
    )
    mixed = result_sentence(capacity, SLO, "mixed")  # a quarter of mixed does not stream
    assert mixed.startswith("capacity: 20 concurrent users at ")
    assert result_sentence(capacity, SLO, "chat").startswith("capacity: 20 concurrent requests")
    assert exit_code(capacity, None) == 0
    assert exit_code(capacity, 20) == 0
    assert exit_code(capacity, 21) == 1
    rate = capacity_block("rate", run_sweep([2.5], model(3, [])))
    assert "2.5 req/s" in result_sentence(rate, SLO)


def test_parse_sweep() -> None:
    assert parse_sweep("users=50,10,20") == ("users", [10, 20, 50])
    assert parse_sweep("rate=0.5,2") == ("rate", [0.5, 2])
    for bad in ("users", "threads=1,2", "users=1.5", "rate=0", "users=a"):
        with pytest.raises(SweepError, match="--sweep"):
            parse_sweep(bad)


def test_goodput_bounds_take_the_tightest_per_request_maximum() -> None:
    bounds = [
        Bound("ttft_ms.p95", max=800),
        Bound("ttft_ms.p50", max=300),
        Bound("itl_ms.p99", max=40),
        Bound("error_rate", max=0.01),
        Bound("output_tokens_per_s", min=5),
    ]
    assert goodput_bounds(bounds) == {"ttft_ms": 300, "itl_ms": 40}
