"""Open-model arrivals: one seeded schedule of send times, shared out between processes.

A run with ``--rate R`` sends requests at the times of an arrival process, whether or not the
server keeps up: ``constant`` (every 1/R s), ``poisson`` (exponential gaps) or ``gamma`` (gaps
drawn from a gamma distribution of shape B, ``--burstiness``, and mean 1/R, as vLLM's
``bench serve`` does; B = 1 is Poisson, B < 1 burstier, the gaps' coefficient of variation is
1/sqrt(B)). The schedule is one sequence drawn from ``--seed``; with W worker processes worker
w takes the slots k with k % W == w, so the union is the one global process, not W independent
ones. Inside a process the users are a pool: a free user takes the next slot and waits for it.

A request that leaves after its slot records the delay (intended against actual send time,
coordinated omission); a slot still unclaimed when the run ends counts as missed. Pure code.
"""

from __future__ import annotations

import random
import time
from typing import Any, Final

ARRIVALS: Final = ("constant", "poisson", "gamma")


class ArrivalShare:
    """Process ``index`` of ``count``'s slots of the seeded schedule that starts at ``start``."""

    def __init__(
        self,
        kind: str,
        rate_per_s: float,
        start: float,
        seed: int,
        burstiness: float = 1.0,
        index: int = 0,
        count: int = 1,
    ) -> None:
        if kind not in ARRIVALS:
            raise ValueError(f"arrival process {kind!r} is not one of {', '.join(ARRIVALS)}")
        if rate_per_s <= 0 or burstiness <= 0:
            raise ValueError("arrival rate and burstiness must be positive")
        if not 0 <= index < max(1, count):
            raise ValueError(f"process index {index} is outside 0..{count - 1}")
        self.kind, self.rate, self.burstiness = kind, rate_per_s, burstiness
        self.index, self.count = index, max(1, count)
        self._rng = random.Random(seed)
        self._at = start
        self._slot = -1
        self.next_at = self._advance()

    def _gap(self) -> float:
        if self.kind == "constant":
            return 1.0 / self.rate
        if self.kind == "poisson":
            return self._rng.expovariate(self.rate)
        shape = self.burstiness
        return self._rng.gammavariate(shape, 1.0 / (self.rate * shape))

    def _advance(self) -> float:
        """The time of this process's next slot of the global sequence."""
        while True:
            self._at += self._gap()
            self._slot += 1
            if self._slot % self.count == self.index:
                return self._at

    def take(self) -> float:
        """The intended send time of the next slot; the schedule moves on by one slot."""
        intended = self.next_at
        self.next_at = self._advance()
        return intended

    def missed_before(self, now: float) -> int:
        """Slots due before ``now`` that nobody took; they are used up."""
        missed = 0
        while self.next_at < now:
            missed += 1
            self.next_at = self._advance()
        return missed


def plan_schedule(options: Any, processes: int) -> None:
    """On the master (or a lone process), at the run's start: one schedule for the run, its
    seed, start and the number of processes sharing it (Locust sends these custom attributes
    of the parsed options to the workers with each spawn message)."""
    seed = getattr(options, "seed", None)
    options.arrival_seed = seed if seed is not None else random.randrange(2**31)
    options.arrival_start_epoch = time.time()
    options.arrival_workers = max(1, processes)


def share_from_options(options: Any, index: int) -> ArrivalShare | None:
    """This process's share of the run's schedule (None: a closed model, no rate)."""
    rate = float(getattr(options, "arrival_rate", 0.0) or 0.0)
    if rate <= 0:
        return None
    epoch = float(getattr(options, "arrival_start_epoch", 0.0) or time.time())
    return ArrivalShare(
        getattr(options, "arrival", "constant") or "constant",
        rate,
        start=time.perf_counter() + (epoch - time.time()),
        seed=int(getattr(options, "arrival_seed", 0) or 0),
        burstiness=float(getattr(options, "burstiness", 1.0) or 1.0),
        index=index,
        count=int(getattr(options, "arrival_workers", 1) or 1),
    )


def describe_schedule(options: Any) -> dict[str, Any] | None:
    """How requests were scheduled, for summary.json (None: a closed model)."""
    if not getattr(options, "arrival_rate", 0.0):
        return None
    process = getattr(options, "arrival", "constant") or "constant"
    burstiness = float(getattr(options, "burstiness", 1.0) or 1.0)
    return {
        "process": process,
        "rate": float(options.arrival_rate),
        "burstiness": burstiness if process == "gamma" else None,
        "seed": getattr(options, "arrival_seed", None),
        "processes": getattr(options, "arrival_workers", 1),
    }
