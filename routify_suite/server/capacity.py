"""The reference server's capacity model: a token budget shared by the streams it serves.

A batching inference server generates for every admitted request at once, so the tokens per
second it can produce, ``tokens_per_s`` (T), are shared: with N requests admitted, each one's
inter-token latency is ``max(itl, N / T)``. At most ``max_concurrency`` (C) requests are admitted;
the rest wait in arrival order, which shows as a longer time to first token. The model is what
gives a capacity search its ground truth: an SLO of ``itl_ms.p95 <= L`` holds up to
``N = floor(L / 1000 * T)`` concurrent streams (docs/capacity-model.md).

Pure asyncio, no Starlette: the stream writer and the non-streaming handler call it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class Capacity:
    """Admission (at most C at once, first come first served) and the shared token rate."""

    tokens_per_s: float = 0.0
    """T; 0 means no shared budget (each stream keeps its own ``--itl-ms``)."""
    max_concurrency: int = 0
    """C; 0 means no limit on requests served at once."""
    admitted: int = 0
    _waiting: deque[asyncio.Future[None]] = field(default_factory=deque)

    @property
    def waiting(self) -> int:
        return sum(not future.done() for future in self._waiting)

    def enter(self) -> asyncio.Future[None]:
        """A future done once the request is admitted (at once when a slot is free).

        Cancel the future to leave the queue; call :meth:`leave` only after it completed.
        """
        future = asyncio.get_running_loop().create_future()
        if self._has_room() and not self.waiting:
            self.admitted += 1
            future.set_result(None)
        else:
            self._waiting.append(future)
        return future

    def leave(self) -> None:
        """An admitted request is finished: admit the next waiting one, in order."""
        self.admitted -= 1
        while self._waiting and self._has_room():
            future = self._waiting.popleft()
            if not future.done():  # a cancelled waiter (its client left) is skipped
                self.admitted += 1
                future.set_result(None)

    def _has_room(self) -> bool:
        return self.max_concurrency <= 0 or self.admitted < self.max_concurrency

    def step_s(self, itl_s: float) -> float:
        """The inter-token latency right now: ``max(itl, N / T)`` with N admitted requests."""
        if self.tokens_per_s <= 0:
            return itl_s
        return max(itl_s, self.admitted / self.tokens_per_s)
