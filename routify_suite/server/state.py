"""What every request of one server instance shares: settings, accounts, ledger, limiter and
the count of open streams (which tests wait on instead of sleeping)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from routify_suite.server.accounts import Account
from routify_suite.server.capacity import Capacity
from routify_suite.server.ledger import Ledger
from routify_suite.server.ratelimit import RateLimiter
from routify_suite.server.ticker import Ticker


@dataclass(frozen=True, slots=True)
class Settings:
    ttft_ms: float = 0.0
    """Delay before the first token (streaming) or added to a whole answer (non-streaming)."""
    itl_ms: float = 0.0
    """Delay between two tokens."""
    maintenance_retry_after_s: int = 30
    capacity_tokens_per_s: float = 0.0
    """Tokens per second shared by all admitted streams (0: no shared budget)."""
    max_concurrency: int = 0
    """Requests served at once; the rest queue in order (0: no limit)."""

    @property
    def has_capacity(self) -> bool:
        return self.capacity_tokens_per_s > 0 or self.max_concurrency > 0


class StreamTracker:
    """Counts open streams; ``wait_until_idle`` lets another thread wait for them to end."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._open = 0
        self.opened_total = 0
        self.cancelled_total = 0

    @property
    def open(self) -> int:
        return self._open

    def opened(self) -> None:
        with self._condition:
            self._open += 1
            self.opened_total += 1

    def closed(self, cancelled: bool) -> None:
        with self._condition:
            self._open -= 1
            self.cancelled_total += cancelled
            self._condition.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        """True once no stream is open; False when ``timeout`` seconds pass first."""
        with self._condition:
            return self._condition.wait_for(lambda: self._open == 0, timeout)


class Delivering(Protocol):
    finishing: bool

    def delivered_tokens(self) -> int: ...


@dataclass(slots=True)
class Activity:
    """What ``/metrics`` reports beyond the stream count (one event loop writes it)."""

    answering: int = 0
    """Non-streaming completions being generated."""
    completions: int = 0
    finished_tokens: int = 0
    """Tokens of the requests that ended (a stream cut short: what it had sent)."""
    live: set[Delivering] = field(default_factory=set)
    """Open streams, whose tokens sent so far count as generated too."""

    def delivered(self, tokens: int, complete: bool) -> None:
        self.finished_tokens += tokens
        self.completions += complete

    @property
    def generated_tokens(self) -> int:
        """Tokens generated so far, streams in progress included: grows token by token, so a
        scrape a second sees the rate of the moment, not of the streams that happened to end."""
        sending = sum(s.delivered_tokens() for s in self.live if not s.finishing)
        return self.finished_tokens + sending


@dataclass(slots=True)
class ServerState:
    settings: Settings
    accounts: dict[str, Account]
    ledger: Ledger = field(init=False)
    limiter: RateLimiter = field(init=False)
    streams: StreamTracker = field(default_factory=StreamTracker)
    ticker: Ticker = field(default_factory=Ticker)
    activity: Activity = field(default_factory=Activity)
    capacity: Capacity | None = field(init=False)
    """The capacity model when ``--capacity-tokens-per-s`` or ``--max-concurrency`` is set."""

    def __post_init__(self) -> None:
        settings = self.settings
        self.capacity = (
            Capacity(settings.capacity_tokens_per_s, settings.max_concurrency)
            if settings.has_capacity
            else None
        )
        self.ledger = Ledger(self.accounts.values())
        self.limiter = RateLimiter({key: a.rate_limit for key, a in self.accounts.items()})
