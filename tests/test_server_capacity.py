"""The capacity model (--capacity-tokens-per-s, --max-concurrency) and vLLM's ignore_eos/min_tokens.

Timing checks are lower bounds (a shared token budget can only make tokens later), which hold
however loaded the machine is; upper bounds are generous.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from routify_suite.server import running_server
from routify_suite.server.capacity import Capacity
from routify_suite.server.generation import generate
from routify_suite.sse import SSEParser
from tests.server_helpers import auth, chat


def test_step_is_the_larger_of_itl_and_the_shared_budget() -> None:
    capacity = Capacity(tokens_per_s=100)
    assert capacity.step_s(0.01) == 0.01  # nobody admitted yet
    capacity.admitted = 4
    assert capacity.step_s(0.01) == pytest.approx(0.04)
    assert Capacity().step_s(0.02) == 0.02  # no budget: --itl-ms alone


@pytest.mark.asyncio
async def test_admission_is_first_come_first_served() -> None:
    capacity = Capacity(max_concurrency=1)
    first, second, third = capacity.enter(), capacity.enter(), capacity.enter()
    assert first.done()
    assert not second.done()
    assert capacity.waiting == 2
    second.cancel()  # its client went away while queued
    capacity.leave()
    assert third.done()
    assert capacity.admitted == 1
    capacity.leave()
    assert capacity.admitted == 0
    assert capacity.waiting == 0
    await asyncio.sleep(0)


def stream_arrivals(base_url: str, max_tokens: int) -> list[float]:
    """When each content event of one stream arrived (``perf_counter``)."""
    parser = SSEParser()
    arrivals: list[float] = []
    body = chat(stream=True, max_tokens=max_tokens, ignore_eos=True)
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        client.stream("POST", "/chat/completions", json=body, headers=auth()) as response,
    ):
        for raw in response.iter_raw():
            arrivals += [
                event.received_at
                for event in parser.feed(raw, time.perf_counter())
                if '"content":"' in event.data and '"content":""}' not in event.data
            ]
    return arrivals


def test_concurrent_streams_share_the_token_budget() -> None:
    streams, tokens_per_s = 4, 200.0  # 4 streams at once: 20 ms a token each, not 5
    with (
        running_server(itl_ms=5, capacity_tokens_per_s=tokens_per_s) as server,
        ThreadPoolExecutor(streams) as pool,
    ):
        results = list(pool.map(lambda _: stream_arrivals(server.base_url, 24), range(streams)))
    assert [len(stream) for stream in results] == [24] * streams
    # Judge only the gaps while all four were generating: the threads start (and the first
    # stream finishes) at slightly different times, when fewer streams share the budget.
    all_started = max(stream[0] for stream in results)
    first_done = min(stream[-1] for stream in results)
    gaps = sorted(
        b - a
        for stream in results
        for a, b in itertools.pairwise(stream)
        if a >= all_started and b <= first_done
    )
    assert len(gaps) >= streams * 10, "the four streams hardly overlapped"
    median = gaps[len(gaps) // 2]
    assert median >= 0.9 * streams / tokens_per_s
    assert median < 0.5


def test_requests_beyond_max_concurrency_wait_in_order() -> None:
    with (
        running_server(itl_ms=20, max_concurrency=1) as server,
        ThreadPoolExecutor(2) as pool,
    ):
        results = list(pool.map(lambda _: stream_arrivals(server.base_url, 10), range(2)))
        assert server.state.streams.wait_until_idle(5)
        assert server.state.capacity is not None
        assert server.state.capacity.admitted == 0  # every slot given back
    first, second = sorted(results)
    assert len(first) == len(second) == 10
    assert second[0] >= first[-1]  # the second stream began only once the first one ended


def test_non_streaming_answers_queue_too() -> None:
    with running_server(itl_ms=20, max_concurrency=1) as server, ThreadPoolExecutor(2) as pool:

        def post(_: int) -> float:
            started = time.perf_counter()
            body = chat(max_tokens=5, ignore_eos=True)
            response = httpx.post(
                f"{server.base_url}/chat/completions", json=body, headers=auth(), timeout=30
            )
            assert response.json()["usage"]["completion_tokens"] == 5
            return time.perf_counter() - started

        durations = sorted(pool.map(post, range(2)))
    assert durations[1] >= 2 * 4 * 0.020


def test_ignore_eos_generates_up_to_max_tokens() -> None:
    natural = generate("deepseek-v3.2", chat(max_tokens=400))
    assert natural.finish_reason == "stop"
    assert natural.completion_tokens < 400
    forced = generate("deepseek-v3.2", chat(max_tokens=400, ignore_eos=True))
    assert (forced.completion_tokens, forced.finish_reason) == (400, "length")
    assert forced.content.startswith(natural.content)  # the same answer, talking on


def test_min_tokens_lengthens_but_max_tokens_still_caps() -> None:
    longer = generate("deepseek-v3.2", chat(min_tokens=150))
    assert longer.completion_tokens >= 150
    capped = generate("deepseek-v3.2", chat(min_tokens=150, max_tokens=90))
    assert capped.completion_tokens == 90
    ignored = generate("deepseek-v3.2", chat(min_tokens="many", ignore_eos="yes"))
    assert ignored == generate("deepseek-v3.2", chat())
