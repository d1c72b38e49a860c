"""Sending the run's exchanges: ahead of the cases, concurrently, each once.

Every exchange of a run is independent of the others, so the session hands the planned ones
(see :mod:`~routify_suite.conformance.plan`) to a thread pool as soon as it starts, behind the
:class:`~routify_suite.conformance.gate.Gate`; a case then takes its finished exchange. An
exchange no plan named is sent when a case asks for it, through the same gate, and kept for the
next case that asks. A 429 is retried here (see :mod:`~routify_suite.conformance.retry`)
unless the request is the rate-limit case's own.

A verdict must not depend on what else was in flight. An exchange that fails at the transport or
stream level (cut, reset, protocol error, idle timeout, no answer in time) while other requests
were in flight is sent again once, alone (nothing else in flight); the cases judge that lone
exchange, which keeps the failure among others in ``failed_among_others``. The concurrency case
``test_requests_in_flight_do_not_cut_each_other`` reports the ones that passed alone, as one
finding. The parallel groups of the concurrency cases are never re-sent: they judge concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any

from routify_suite.conformance.client import AsyncConformanceClient, ConformanceClient
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.gate import Gate
from routify_suite.conformance.plan import Request, Then
from routify_suite.conformance.retry import RateLimitRetry

SPARE_THREADS = 32
"""Threads beyond the bound, for streams that fell silent and no longer hold a place."""
SILENT_AFTER_S = 2.0
"""A stream silent this long stops counting against the bound (at most half the idle timeout)."""

ISOLATED_FAILURES = frozenset(
    {"stream.cut", "stream.idle-timeout", "transport.protocol", "transport.timeout"}
)
"""Failures of the exchange itself that another request in flight can cause."""
FAILED_ALONE_LIMIT = 3
"""After this many lone re-sendings that failed with the same check and none that passed, the
server fails that way alone: later failures of that kind are not re-sent (a bound on time for a
server that, say, stalls every stream; each lone re-sending waits for everything in flight)."""

Result = Exchange | list[Exchange]


class ExchangePool:
    """The run's exchanges, each sent once, at most ``concurrency`` in flight."""

    def __init__(
        self,
        api: ConformanceClient,
        concurrency: int,
        retry: RateLimitRetry | None = None,
        deadline: float = float("inf"),
    ) -> None:
        self.api = api
        self.retry = retry or RateLimitRetry()
        self.deadline = deadline
        """time.monotonic() reading after which planned exchanges are no longer sent."""
        silent_after = min(SILENT_AFTER_S, api.timeouts.stream_idle / 2)
        self.gate = Gate(concurrency, silent_after)
        api.stream_watcher = self.gate.watch
        self._results: dict[str, Future[Result | None]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.resent_alone: list[Exchange] = []
        """Every exchange sent again alone, in order (each carries the failure among others)."""
        self._threads = ThreadPoolExecutor(
            max_workers=concurrency + SPARE_THREADS, thread_name_prefix="routify-exchange"
        )

    def prefetch(self, planned: Iterable[Request | Then]) -> int:
        """Start sending every planned request (parallel groups and streams first); how many."""
        order = sorted(planned, key=_urgency)
        for item in order:
            if isinstance(item, Then):
                self._submit(item.first).add_done_callback(self._follow_up(item))
            else:
                self._submit(item)
        return len(order)

    def get(self, request: Request) -> Result:
        """The exchange (or group) for ``request``: the prefetched one, else sent now."""
        future, mine = self._claim(request)
        if mine:
            self._run(future, request, on_time_only=False)
        try:
            result = future.result()
        except CancelledError:
            result = None
        if result is None:  # planned but not sent (stopped or past the deadline): send now
            result = self._send(request)
            with self._lock:
                done: Future[Result | None] = Future()
                done.set_result(result)
                self._results[request.ident] = done
        return result

    def drain(self) -> None:
        """Wait until every exchange sent so far has its answer (before a case that runs alone)."""
        while True:
            with self._lock:
                pending = [f for f in self._results.values() if not f.done()]
            if not pending:
                return
            for future in pending:
                with contextlib.suppress(CancelledError):
                    future.result()

    def close(self) -> None:
        """Send nothing more; exchanges in flight end within their own timeouts."""
        self._stopped.set()
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _claim(self, request: Request) -> tuple[Future[Result | None], bool]:
        with self._lock:
            future = self._results.get(request.ident)
            if future is not None:
                return future, False
            future = self._results[request.ident] = Future()
            return future, True

    def _submit(self, request: Request) -> Future[Result | None]:
        future, mine = self._claim(request)
        if mine:
            try:
                self._threads.submit(self._run, future, request, True)
            except RuntimeError:  # closed: the case that asks sends it itself
                future.set_result(None)
        return future

    def _follow_up(self, item: Then) -> Any:
        def submit_next(first: Future[Result | None]) -> None:
            try:
                exchange = first.result()
            except CancelledError:
                return
            follow = item.then(exchange) if isinstance(exchange, Exchange) else None
            if follow is not None and not self._stopped.is_set():
                self._submit(follow)

        return submit_next

    def _run(self, future: Future[Result | None], request: Request, on_time_only: bool) -> None:
        if not future.set_running_or_notify_cancel():
            return
        if on_time_only and (self._stopped.is_set() or time.monotonic() > self.deadline):
            future.set_result(None)
            return
        try:
            future.set_result(self._send(request))
        except BaseException as error:  # a bug in the suite: the case that asks re-raises it
            future.set_exception(error)

    def _send(self, request: Request) -> Result:
        if request.copies > 1:
            with self.gate.place(burst=request.copies):
                return asyncio.run(self._send_group(request))
        exchange = self._send_one(request)
        if not self._isolates(exchange):
            return exchange
        lone = self._send_one(request, alone=True)
        lone.failed_among_others = exchange
        with self._lock:
            self.resent_alone.append(lone)
        return lone

    def _send_one(self, request: Request, alone: bool = False) -> Exchange:
        tries, waited = 0, 0.0
        while True:
            with self.gate.place(alone=alone) as lease:
                exchange = self.api.post(
                    request.body,
                    key=request.key,
                    headers=dict(request.headers),
                    label=request.label,
                )
            exchange.in_flight = lease.others
            wait = None if request.judge_rate_limit else self.retry.delay(exchange, tries, waited)
            if wait is None or self._stopped.wait(wait):
                return exchange
            tries, waited = tries + 1, waited + wait

    def _isolates(self, exchange: Exchange) -> bool:
        """Whether ``exchange`` failed in a way other requests in flight may have caused."""
        if exchange.failure is None or exchange.in_flight == 0 or self._stopped.is_set():
            return False
        check = exchange.failure[0]
        if check not in ISOLATED_FAILURES:
            return False
        with self._lock:
            passed_alone = [
                lone.failure is None
                for lone in self.resent_alone
                if _failed_with(lone.failed_among_others, check)
            ]
        return any(passed_alone) or len(passed_alone) < FAILED_ALONE_LIMIT

    def cut_by_others(self) -> list[Exchange]:
        """The failures among others whose request was answered in full alone."""
        with self._lock:
            return [
                lone.failed_among_others
                for lone in self.resent_alone
                if lone.failure is None and lone.failed_among_others is not None
            ]

    async def _send_group(self, request: Request) -> list[Exchange]:
        """``copies`` identical requests at the same moment, each retried on its own 429."""
        async with AsyncConformanceClient(self.api.target, self.api.timeouts) as client:
            client.stream_watcher = self.gate.watch  # same thread: the burst's own lease

            async def one() -> Exchange:
                tries, waited = 0, 0.0
                while True:
                    exchange = await client.post(request.body, key=request.key, label=request.label)
                    wait = self.retry.delay(exchange, tries, waited)
                    if wait is None or self._stopped.is_set():
                        return exchange
                    await asyncio.sleep(wait)
                    tries, waited = tries + 1, waited + wait

            return list(await asyncio.gather(*(one() for _ in range(request.copies))))


def _failed_with(exchange: Exchange | None, check: str) -> bool:
    return exchange is not None and exchange.failure is not None and exchange.failure[0] == check


UNCAPPED_TOKENS = 1024
"""The cost guessed for a request without max_tokens: the model's own limit, so long."""


def _urgency(item: Request | Then) -> float:
    """The slow ones first, so none starts last: the longer the answer asked, the sooner."""
    request = item.first if isinstance(item, Then) else item
    body = request.body if isinstance(request.body, dict) else {}
    tokens = body.get("max_tokens") or body.get("max_completion_tokens") or UNCAPPED_TOKENS
    cost = float(tokens) if isinstance(tokens, int | float) else UNCAPPED_TOKENS
    if isinstance(item, Then):
        cost *= 2  # a second exchange waits for this one
    if request.copies > 1:
        cost += UNCAPPED_TOKENS
    if request.key != "":
        cost /= 4  # another key: most likely an error answered at once
    return -cost
