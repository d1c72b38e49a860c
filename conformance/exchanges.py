"""What a case holds to get its exchanges: shared, sent once, reported to the case that reads.

Each exchange is reported to every case that reads it (its request id, and the error-envelope
findings of a non-2xx), wherever and whenever it was sent; an exchange that outlasted its 429
retries makes the case "not exercised" with that reason instead of a verdict on a rate limit.
"""

from __future__ import annotations

from routify_suite.conformance.client import Observer
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import not_exercised
from routify_suite.conformance.plan import Request
from routify_suite.conformance.pool import ExchangePool


class Exchanges:
    """The run's exchanges as the cases see them."""

    def __init__(self, pool: ExchangePool, observer: Observer | None = None) -> None:
        self.pool = pool
        self.observer = observer

    def get(self, request: Request) -> Exchange:
        """The exchange for ``request`` (one copy)."""
        result = self.pool.get(request)
        assert isinstance(result, Exchange), "a request with copies > 1 is read with get_all"
        self._deliver([result])
        return result

    def get_all(self, request: Request) -> list[Exchange]:
        """The ``copies`` exchanges of a parallel request."""
        result = self.pool.get(request)
        exchanges = result if isinstance(result, list) else [result]
        self._deliver(exchanges)
        return exchanges

    def alone(self) -> None:
        """Let every exchange sent so far finish first: for a case that must run alone."""
        self.pool.drain()

    def failed_among_others(self) -> list[Exchange]:
        """The exchanges that failed among others and were answered in full alone, reported to
        the case that asks (their transcripts are the evidence)."""
        failed = self.pool.cut_by_others()
        if self.observer:
            for exchange in failed:
                self.observer(exchange)
        return failed

    def _deliver(self, exchanges: list[Exchange]) -> None:
        if self.observer:
            for exchange in exchanges:
                self.observer(exchange)
        unjudged = next((e.not_judged for e in exchanges if e.not_judged), "")
        if unjudged:
            not_exercised(unjudged)
