"""An open-model send schedule, so a load generator that falls behind shows up in the numbers.

Under a fixed arrival rate R shared by U users, each user owns every U-th slot: it should send at
``first + k * U / R``. When responses are slow the user is still busy at its next slot; the request
then leaves late, and that lateness (actual minus intended send time) is recorded instead of being
silently absorbed (coordinated omission). Latency from the intended time is what a real client,
arriving on schedule, would have waited.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ArrivalSchedule:
    period_s: float
    next_at: float

    @classmethod
    def for_user(cls, rate_per_s: float, users: int, now: float, phase: float) -> ArrivalSchedule:
        """One user's share of ``rate_per_s`` among ``users``; ``phase`` in [0, 1) staggers them."""
        if rate_per_s <= 0:
            raise ValueError("arrival rate must be positive")
        period = max(1, users) / rate_per_s
        return cls(period_s=period, next_at=now + phase * period)

    def take(self) -> float:
        """The intended send time of the next request; advances the schedule by one slot."""
        intended = self.next_at
        self.next_at += self.period_s
        return intended
