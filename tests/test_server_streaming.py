"""Pacing (--ttft-ms, --itl-ms) and a client leaving mid-stream.

Timing checks use lower bounds only (the server must not send a token before it is due), which
hold however loaded the machine is; the upper bounds are generous.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from routify_suite.server import RunningServer, running_server
from routify_suite.server.catalog import MODELS
from routify_suite.server.generation import generate
from routify_suite.sse import SSEParser
from tests.server_helpers import VALID_KEY, auth, chat

TTFT_MS = 60
ITL_MS = 15


@pytest.fixture(scope="module")
def paced_server() -> Iterator[RunningServer]:
    with running_server(ttft_ms=TTFT_MS, itl_ms=ITL_MS) as server:
        yield server


def test_tokens_are_paced(paced_server: RunningServer) -> None:
    parser = SSEParser()
    arrivals: list[float] = []
    with httpx.Client(base_url=paced_server.base_url, timeout=10) as client:
        sent = time.perf_counter()
        body = chat(stream=True, max_tokens=8)
        with client.stream("POST", "/chat/completions", json=body, headers=auth()) as response:
            for raw in response.iter_raw():
                for event in parser.feed(raw):
                    if event.data != "[DONE]":
                        delta = orjson.loads(event.data)["choices"]
                        if delta and delta[0]["delta"].get("content"):
                            arrivals.append(event.received_at - sent)
    assert len(arrivals) == 8
    for index, arrival in enumerate(arrivals):
        assert arrival >= (TTFT_MS + index * ITL_MS) / 1000
    assert arrivals[-1] < 5


def test_non_streaming_waits_as_long_as_the_stream(paced_server: RunningServer) -> None:
    with httpx.Client(base_url=paced_server.base_url, timeout=10) as client:
        started = time.perf_counter()
        response = client.post("/chat/completions", json=chat(max_tokens=4), headers=auth())
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= (TTFT_MS + 3 * ITL_MS) / 1000
    assert response.json()["routify"]["latency_ms"] >= TTFT_MS + 3 * ITL_MS


def test_disconnect_frees_the_stream_at_once() -> None:
    # At 200 ms a token this reply takes about 10 s; a disconnect must end it well before.
    with running_server(itl_ms=200) as server:
        ledger, streams = server.state.ledger, server.state.streams
        before = ledger.balance(VALID_KEY)
        reply = generate("deepseek-v3.2", chat())
        assert reply.completion_tokens * 0.2 > 6
        full_cost = MODELS["deepseek-v3.2"].cost_nano(14, reply.completion_tokens)
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            body = chat(stream=True)
            with client.stream("POST", "/chat/completions", json=body, headers=auth()) as response:
                chunks = response.iter_raw()  # held: dropping it would close the connection
                assert b'"role":"assistant"' in next(chunks)
                assert streams.open == 1
        assert streams.wait_until_idle(timeout=3.0)
        assert streams.cancelled_total == 1
        charged = before - ledger.balance(VALID_KEY)
        assert 0 < charged < full_cost  # the prompt and the delivered tokens only
