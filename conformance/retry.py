"""A 429 outside the rate-limit case: wait as ``Retry-After`` says and try again, within bounds.

Real staging servers rate-limit the key a CI gate uses; an ordinary case that meets a 429 has
met the target's limit, not a deviation. It is retried a bounded number of times within a bounded
total wait, and then left unjudged ("rate-limited; not judged"), never failed.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

from routify_suite.conformance.exchange import Exchange

RATE_LIMITED = 429


def retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True, slots=True)
class RateLimitRetry:
    """How often and how long an exchange may wait out a 429 before it is left unjudged."""

    attempts: int = 3
    total_s: float = 30.0
    fallback_s: float = 1.0
    """The first wait when the 429 has no usable Retry-After (doubled on each further try)."""

    def delay(self, exchange: Exchange, tries: int, waited_s: float) -> float | None:
        """Seconds to wait before trying again, or None: give up (and say so on the exchange)."""
        if exchange.status != RATE_LIMITED:
            return None
        wait = retry_after_s(exchange.headers.get("retry-after"))
        if wait is None:
            wait = self.fallback_s * 2**tries
        if tries >= self.attempts or waited_s + wait > self.total_s:
            exchange.not_judged = (
                f"rate-limited; not judged (HTTP 429 after {tries + 1} tries"
                f" and {waited_s:.0f} s of waiting as Retry-After asked)"
            )
            return None
        return wait
