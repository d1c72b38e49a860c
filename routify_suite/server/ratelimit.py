"""Per-key token buckets with the headers OpenAI clients read.

A bucket refills continuously; a request takes one token or is refused with the seconds until
one is back (``Retry-After``). The ``x-ratelimit-*`` headers follow OpenAI's names so the
official client and dashboards understand them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from routify_suite.server.accounts import RateLimit


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after_s: float


def format_duration(seconds: float) -> str:
    """OpenAI's reset format: ``"1s"``, ``"6m0s"``, ``"250ms"``."""
    if seconds < 1:
        return f"{max(1, math.ceil(seconds * 1000))}ms"
    whole = math.ceil(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


class TokenBucket:
    __slots__ = ("_clock", "_lock", "_stamp", "_tokens", "limit")

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = float(limit.capacity)
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> Decision:
        limit = self.limit
        with self._lock:
            now = self._clock()
            tokens = min(limit.capacity, self._tokens + (now - self._stamp) * limit.per_second)
            self._stamp = now
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._tokens = tokens
        wait = 0.0 if allowed else (1 - tokens) / limit.per_second
        full_in = (limit.capacity - tokens) / limit.per_second
        headers = {
            "x-ratelimit-limit-requests": str(limit.capacity),
            "x-ratelimit-remaining-requests": str(math.floor(tokens)),
            "x-ratelimit-reset-requests": format_duration(wait if not allowed else full_in),
        }
        if not allowed:
            headers["retry-after"] = str(max(1, math.ceil(wait)))
        return Decision(allowed, headers, wait)


class RateLimiter:
    """One bucket per key that has a limit; keys without one always pass."""

    def __init__(
        self, limits: dict[str, RateLimit | None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets = {key: TokenBucket(limit, clock) for key, limit in limits.items() if limit}

    def check(self, key: str) -> Decision | None:
        """None when the key is unlimited, else the bucket's decision for one request."""
        bucket = self._buckets.get(key)
        return bucket.take() if bucket is not None else None
