"""The shared ticker: events never early, in due order, and a slow or broken stream alone."""

from __future__ import annotations

import asyncio
import time

import pytest

from routify_suite.server.ticker import Ticker, send_now


class FakeStream:
    """Emits ``count`` events ``step`` seconds apart and notes when each actually went out."""

    def __init__(self, first_due: float, step: float, count: int) -> None:
        self.closed = False
        self.busy = False
        self.due = [first_due + i * step for i in range(count)]
        self.emitted: list[float] = []
        self.finished = asyncio.get_running_loop().create_future()
        self.error: BaseException | None = None

    def emit(self, now: float) -> float | None:
        self.emitted.append(time.perf_counter())
        if len(self.emitted) == len(self.due):
            self.finished.set_result(None)
            return None
        return self.due[len(self.emitted)]

    def abort(self, error: BaseException) -> None:
        self.error = error
        self.finished.set_result(None)


class BrokenStream(FakeStream):
    def emit(self, now: float) -> float | None:
        raise ValueError("cannot render")


@pytest.mark.asyncio
async def test_events_are_never_early() -> None:
    ticker = Ticker()
    start = time.perf_counter()
    streams = [FakeStream(start + 0.003 * i, 0.004, 5) for i in range(20)]
    for stream in streams:
        ticker.schedule(stream, stream.due[0])
    await asyncio.wait_for(asyncio.gather(*(s.finished for s in streams)), 10)
    for stream in streams:
        assert len(stream.emitted) == 5
        assert all(at >= due for at, due in zip(stream.emitted, stream.due, strict=True))


@pytest.mark.asyncio
async def test_a_broken_stream_does_not_stop_the_others() -> None:
    ticker = Ticker()
    now = time.perf_counter()
    broken, healthy = BrokenStream(now, 0.001, 3), FakeStream(now, 0.001, 3)
    ticker.schedule(broken, now)
    ticker.schedule(healthy, now)
    await asyncio.wait_for(asyncio.gather(broken.finished, healthy.finished), 10)
    assert isinstance(broken.error, ValueError)
    assert len(healthy.emitted) == 3


class Unblocker(FakeStream):
    """Due with the busy stream but turned after it: notes what it saw, then unblocks it."""

    def __init__(self, blocked: FakeStream, due: float) -> None:
        super().__init__(due, 0, 1)
        self.blocked = blocked
        self.seen: int | None = None

    def emit(self, now: float) -> float | None:
        self.seen = len(self.blocked.emitted)
        self.blocked.busy = False
        return super().emit(now)


@pytest.mark.asyncio
async def test_busy_stream_waits_its_turn() -> None:
    ticker = Ticker()
    now = time.perf_counter()
    stream = FakeStream(now, 0.001, 2)
    stream.busy = True
    unblocker = Unblocker(stream, now)
    ticker.schedule(stream, now)
    ticker.schedule(unblocker, now)
    await asyncio.wait_for(asyncio.gather(stream.finished, unblocker.finished), 10)
    assert unblocker.seen == 0
    assert len(stream.emitted) == 2


async def sender(log: list[str], gate: asyncio.Future[None] | None) -> None:
    log.append("start")
    if gate is not None:
        await gate
    log.append("end")


@pytest.mark.asyncio
async def test_send_now_completes_synchronously_when_it_can() -> None:
    log: list[str] = []
    assert send_now(sender(log, None)) is None
    assert log == ["start", "end"]


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", [None, ConnectionResetError("gone")], ids=["ok", "failed"])
async def test_send_now_finishes_a_waiting_send_in_a_task(failure: Exception | None) -> None:
    log: list[str] = []
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    task = send_now(sender(log, gate))
    assert task is not None
    assert log == ["start"]
    if failure is None:
        gate.set_result(None)
        await asyncio.wait_for(task, 10)
        assert log == ["start", "end"]
    else:  # the failure surfaces where the send awaited, and the send goes no further
        gate.set_exception(failure)
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(task, 10)
        assert log == ["start"]
