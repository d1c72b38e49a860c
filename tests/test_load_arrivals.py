"""The arrival processes (pure): their rate and burstiness, and one schedule split between
processes."""

from __future__ import annotations

import itertools
import statistics

import pytest

from routify_suite.load.arrivals import ArrivalShare

SLOTS = 20_000


def gaps(share: ArrivalShare, count: int) -> list[float]:
    times = [share.take() for _ in range(count + 1)]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@pytest.mark.parametrize(
    ("kind", "burstiness", "cv"),
    [("constant", 1.0, 0.0), ("poisson", 1.0, 1.0), ("gamma", 0.25, 2.0), ("gamma", 4.0, 0.5)],
)
def test_gaps_have_the_rate_and_the_burstiness_asked_for(
    kind: str, burstiness: float, cv: float
) -> None:
    drawn = gaps(ArrivalShare(kind, 20.0, start=0.0, seed=7, burstiness=burstiness), SLOTS)
    mean = statistics.fmean(drawn)
    # 20,000 gaps: the mean's standard error is CV/sqrt(n) <= 1.5 % of it; 5 % is > 3 sigma.
    assert mean == pytest.approx(0.05, rel=0.05)
    assert statistics.pstdev(drawn) / mean == pytest.approx(cv, abs=0.1 * max(cv, 1.0))


def test_workers_share_one_schedule_rather_than_each_running_its_own() -> None:
    whole = ArrivalShare("poisson", 20.0, start=100.0, seed=3)
    expected = [whole.take() for _ in range(300)]
    shares = [ArrivalShare("poisson", 20.0, 100.0, seed=3, index=i, count=3) for i in range(3)]
    merged = sorted(time for share in shares for time in (share.take() for _ in range(100)))
    assert merged == expected
    assert ArrivalShare("poisson", 20.0, 100.0, seed=4).take() != expected[0]


def test_unclaimed_slots_before_the_end_are_missed_once() -> None:
    share = ArrivalShare("constant", 10.0, start=0.0, seed=0)
    assert share.take() == pytest.approx(0.1)
    assert share.missed_before(0.95) == 8  # the slots at 0.2 .. 0.9
    assert share.missed_before(0.95) == 0
    assert share.take() >= 0.95


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("sometimes", 1.0), "not one of"),
        (("poisson", 0.0), "positive"),
        (("gamma", 1.0, 0.0), "positive"),
    ],
)
def test_bad_arrival_settings(arguments: tuple, message: str) -> None:
    kind, rate, *rest = arguments
    with pytest.raises(ValueError, match=message):
        ArrivalShare(kind, rate, 0.0, 0, *rest)
