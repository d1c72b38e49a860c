"""The exchange pool: each exchange sent once, the bound held, a 429 retried then left unjudged."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from starlette.requests import Request as HTTPRequest
from starlette.responses import JSONResponse, Response, StreamingResponse

from routify_suite.conformance.client import ConformanceClient, Timeouts
from routify_suite.conformance.exchange import Exchange, StreamCapture
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.gate import Gate
from routify_suite.conformance.plan import Request, Then
from routify_suite.conformance.pool import ExchangePool
from routify_suite.conformance.retry import RateLimitRetry, retry_after_s
from tests.conformance_helpers import json_exchange, local_target, serving_chat

RATE_LIMITED = {"error": {"message": "slow down", "type": "rate_limit_error", "code": None}}


class FakeServer:
    """Counts requests per content; 429s the first ``limit_first`` of each (Retry-After: 0)."""

    def __init__(self, limit_first: int = 0) -> None:
        self.limit_first = limit_first
        self.seen: Counter[str] = Counter()

    async def chat(self, request: HTTPRequest) -> JSONResponse:
        content = (await request.body()).decode()
        self.seen[content] += 1
        if self.seen[content] <= self.limit_first:
            return JSONResponse(RATE_LIMITED, status_code=429, headers={"retry-after": "0"})
        return JSONResponse({"id": f"chatcmpl-{sum(self.seen.values())}", "echo": content})


@pytest.fixture
def fake() -> Iterator[tuple[FakeServer, str]]:
    server = FakeServer()
    with serving_chat(server.chat) as base_url:
        yield server, base_url


def _pool(url: str, concurrency: int = 4) -> ExchangePool:
    target = local_target().with_overrides(base_url=url)
    client = ConformanceClient(target, Timeouts(connect=2, request=5, stream_idle=2))
    return ExchangePool(client, concurrency, RateLimitRetry(attempts=2, total_s=5))


def test_each_exchange_is_sent_once_and_followups_follow(fake: tuple[FakeServer, str]) -> None:
    server, url = fake
    pool = _pool(url)
    first = Request("a", {"n": 1})
    same_body_other_label = Request("b", {"n": 1})
    second = Request("c", {"n": 2})
    then = Then(first, lambda exchange: Request("d", {"after": exchange.status}))
    try:
        pool.prefetch([first, same_body_other_label, second, then])
        got = pool.get(same_body_other_label)
        assert got is pool.get(first)
        assert isinstance(got, Exchange)
        assert got.status == 200
        assert pool.get(Request("d", {"after": 200})).status == 200
        pool.drain()
    finally:
        pool.close()
        pool.api.close()
    assert sorted(server.seen.values()) == [1, 1, 1]


def test_a_429_is_retried_after_retry_after(fake: tuple[FakeServer, str]) -> None:
    server, url = fake
    server.limit_first = 1
    pool = _pool(url, concurrency=1)
    try:
        exchange = pool.get(Request("plain", {"n": 3}))
    finally:
        pool.close()
        pool.api.close()
    assert exchange.status == 200
    assert not exchange.not_judged
    assert list(server.seen.values()) == [2]


def test_a_lasting_429_is_not_judged(fake: tuple[FakeServer, str]) -> None:
    server, url = fake
    server.limit_first = 100
    pool = _pool(url, concurrency=1)
    exchanges = Exchanges(pool)
    try:
        with pytest.raises(pytest.skip.Exception, match="rate-limited; not judged"):
            exchanges.get(Request("plain", {"n": 4}))
        judged = pool.get(Request("rate-limit", {"n": 5}, judge_rate_limit=True))
    finally:
        pool.close()
        pool.api.close()
    assert list(server.seen.values()) == [3, 1]  # one try and two retries; the rate-limit case: 1
    assert judged.status == 429
    assert not judged.not_judged


def test_retry_after_forms() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s(None) is None
    assert retry_after_s("soon") is None
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= (retry_after_s(future) or 0) <= 31


def test_retry_is_bounded_in_count_and_time() -> None:
    policy = RateLimitRetry(attempts=3, total_s=10)
    limited = json_exchange(RATE_LIMITED, status=429)
    limited.headers["retry-after"] = "4"
    assert policy.delay(limited, 0, 0) == 4
    assert policy.delay(limited, 1, 8) is None  # 8 + 4 s would pass the 10 s budget
    assert "not judged" in limited.not_judged
    assert policy.delay(json_exchange({"ok": True}), 0, 0) is None


def test_gate_holds_the_bound_until_a_stream_falls_silent() -> None:
    gate = Gate(limit=1, silent_after=0.2)
    entered = threading.Event()

    def second_sender() -> None:
        with gate.place():
            entered.set()

    with gate.place() as lease:
        sender = threading.Thread(target=second_sender)
        sender.start()
        assert not entered.wait(0.3)  # the one place is taken by a request awaiting its head
        lease.stream = StreamCapture()  # now a stream; silent from here on
        assert entered.wait(5)
    sender.join(5)


class CutsWhenOthersInFlight:
    """A stream that meets another request (in flight when it starts, or arriving within a
    moment) is cut after its first event; alone, it ends in full. A plain request waits until
    a stream has started, so the two always meet when sent together."""

    WAIT_S = 1.0

    def __init__(self) -> None:
        self.in_flight = 0
        self.arrived = 0
        self.streams: Counter[str] = Counter()

    async def _until(self, met: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + self.WAIT_S
        while time.monotonic() < deadline:
            if met():
                return True
            await asyncio.sleep(0.01)  # polling its own counters, bounded by the deadline
        return False

    async def chat(self, request: HTTPRequest) -> Response:
        body = json.loads(await request.body())
        self.in_flight += 1
        self.arrived += 1
        if not body.get("stream"):
            try:
                await self._until(lambda: sum(self.streams.values()) > 0)
                return JSONResponse({"id": "chatcmpl-json", "choices": []})
            finally:
                self.in_flight -= 1
        self.streams[json.dumps(body)] += 1
        mine = self.arrived
        cut = self.in_flight > 1 or await self._until(lambda: self.arrived > mine)

        async def events() -> AsyncIterator[bytes]:
            try:
                yield b'data: {"id": "chatcmpl-s", "choices": []}\n\n'
                if cut:
                    raise RuntimeError("cut by another request")
                yield b"data: [DONE]\n\n"
            finally:
                self.in_flight -= 1

        return StreamingResponse(events(), media_type="text/event-stream")


def test_an_exchange_cut_among_others_is_sent_again_alone_and_judged_on_that() -> None:
    server = CutsWhenOthersInFlight()
    stream = Request("s", {"stream": True, "n": 1})
    plain = Request("j", {"n": 2})
    with serving_chat(server.chat) as url:
        pool = _pool(url, concurrency=2)
        try:
            pool.prefetch([stream, plain])
            lone = pool.get(stream)
            assert pool.get(plain).failure is None
            pool.drain()
        finally:
            pool.close()
            pool.api.close()
    assert isinstance(lone, Exchange)
    assert lone.failure is None
    assert lone.in_flight == 0
    among = lone.failed_among_others
    assert among is not None
    assert among.failure is not None
    assert among.failure[0] in ("stream.cut", "transport.protocol")
    assert among.in_flight == 1
    assert pool.cut_by_others() == [among]
    assert list(server.streams.values()) == [2]  # once among others, once alone; no more


def test_an_exchange_failing_alone_too_keeps_its_failure_and_nothing_is_sent_alone_at_one() -> None:
    async def always_cut(request: HTTPRequest) -> Response:
        await request.body()

        async def events() -> AsyncIterator[bytes]:
            yield b'data: {"id": "chatcmpl-s", "choices": []}\n\n'
            raise RuntimeError("cut")

        return StreamingResponse(events(), media_type="text/event-stream")

    with serving_chat(always_cut) as url:
        pool = _pool(url, concurrency=1)
        try:
            exchange = pool.get(Request("s", {"stream": True}))
        finally:
            pool.close()
            pool.api.close()
    assert isinstance(exchange, Exchange)
    assert exchange.failure is not None
    assert exchange.failed_among_others is None
    assert not pool.resent_alone


def test_a_lease_alone_waits_for_the_others_and_keeps_new_ones_out() -> None:
    gate = Gate(limit=4, silent_after=10)
    alone_in, later_in = threading.Event(), threading.Event()
    seen: list[int] = []

    def alone() -> None:
        with gate.place(alone=True) as lease:
            seen.append(lease.others)
            alone_in.set()
            assert not later_in.wait(0.3)  # nothing starts beside a lone lease

    def later() -> None:
        with gate.place():
            later_in.set()

    with gate.place() as first:
        waiter = threading.Thread(target=alone)
        waiter.start()
        assert not alone_in.wait(0.3)  # one other lease held: the lone one waits
        newcomer = threading.Thread(target=later)
        newcomer.start()
    assert alone_in.wait(5)
    waiter.join(5)
    newcomer.join(5)
    assert later_in.is_set()
    assert seen == [0]
    assert first.others == 0
