"""The SSE response: token events paced by the shared :class:`Ticker`, and a clean end when
the client goes away.

Event *i* is due at ``start + ttft + i x itl`` (absolute deadlines, so delays never add up, and
never sent early). Events that are due together go out in one write. Body chunks are sent with
the server's own ``send`` (exposed by :class:`~routify_suite.server.app.RoutifyStarlette`),
skipping two layers of Starlette wrappers that would otherwise run 50,000 times a second under
load; the response start still goes through them, so they know the response has begun.

When the client leaves mid-stream the stream is dropped from the ticker at once, the tokens
already delivered are charged, the rest of the reservation is returned and the stream count
drops, so nothing lingers until the text would have ended.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from routify_suite.server.rendering import ChunkWriter
from routify_suite.server.service import Answer
from routify_suite.server.state import ServerState
from routify_suite.server.ticker import send_now

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
RAW_SEND_KEY = "routify.raw_send"


class CompletionStream(Response):
    media_type = "text/event-stream"
    unpaced = True
    """Without delays the whole stream may go out in one write."""

    def __init__(self, answer: Answer, state: ServerState) -> None:
        # Not Response.__init__: it would add "content-length: 0" for the empty body.
        self.status_code = 200
        self.background = None
        self.init_headers({**answer.headers, **SSE_HEADERS})
        self.answer = answer
        self.state = state
        self.events = ChunkWriter(answer).delta_events()
        self.sent = 0
        self.finishing = False
        self.closed = False
        self.busy = False
        settings = state.settings
        self._first_due = answer.started + settings.ttft_ms / 1000
        self._step = settings.itl_ms / 1000
        self._send: Send | None = None
        self._done: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        streams = self.state.streams
        streams.opened()
        self.state.activity.live.add(self)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            if self.unpaced and self._first_due <= self.answer.started and self._step <= 0:
                self.sent = len(self.events)
                body = b"".join(self.events) + self._closing()
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            self._send = scope.get(RAW_SEND_KEY, send)
            self._done = asyncio.get_running_loop().create_future()
            listener = asyncio.ensure_future(self._watch_disconnect(receive))
            try:
                if await self._admitted():
                    self.state.ticker.schedule(self, self._first_due)
                    await self._done
            finally:
                listener.cancel()
                self._leave()
        finally:
            self.closed = True
            if not self.finishing:
                self._settle_partial()
            self.state.activity.live.discard(self)
            streams.closed(cancelled=not self.finishing)

    async def _admitted(self) -> bool:
        """Whether to start generating (a capacity model may make the stream wait first)."""
        return True

    def _leave(self) -> None:
        """The stream is over (sent, or its client left): free what :meth:`_admitted` took."""

    async def _watch_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self._finish()

    def _finish(self) -> None:
        self.closed = True
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def abort(self, error: BaseException) -> None:
        """Raised out of ``__call__``: the ASGI server logs it and drops the connection."""
        self.closed = True
        if self._done is not None and not self._done.done():
            self._done.set_exception(error)

    def emit(self, now: float) -> float | None:
        """Send every event due by ``now`` in one write; the next due time (ticker protocol)."""
        events, start, step = self.events, self.sent, self._step
        end = start + 1
        while end < len(events) and self._first_due + end * step <= now:
            end += 1
        self.sent = end
        body = events[start] if end == start + 1 else b"".join(events[start:end])
        last = end == len(events)
        if last:
            body += self._closing()
        self._write(body, last)
        return None if last else self._first_due + end * step

    def _write(self, body: bytes, last: bool) -> None:
        """One body chunk to the socket, without awaiting a write the kernel took at once."""
        assert self._send is not None
        pending = send_now(
            self._send({"type": "http.response.body", "body": body, "more_body": not last})
        )
        if pending is not None:
            self.busy = True
            pending.add_done_callback(self._send_done)
        if last:
            self._finish()

    def _send_done(self, task: asyncio.Task[Any]) -> None:
        self.busy = False
        if not task.cancelled() and task.exception() is not None:
            self._finish()  # the connection broke under the write

    def _closing(self) -> bytes:
        """Settle the full cost and render the tail; from here on a disconnect changes nothing."""
        self.finishing = True
        answer = self.answer
        cost = answer.reservation.settle(answer.cost_nano())
        completion = answer.completion
        self.state.activity.delivered(completion.completion_tokens, complete=True)
        return ChunkWriter(answer).closing(
            completion.completion_tokens, completion.finish_reason, cost
        )

    def delivered_tokens(self) -> int:
        """Completion tokens sent so far (one event per token; a tool call's by share)."""
        undelivered = len(self.events) - self.sent
        return max(0, self.answer.completion.completion_tokens - undelivered)

    def _settle_partial(self) -> None:
        delivered = self.delivered_tokens()
        self.answer.reservation.settle(self.answer.cost_nano(delivered))
        self.state.activity.delivered(delivered, complete=False)


class SharedCapacityStream(CompletionStream):
    """A stream under the capacity model (:mod:`routify_suite.server.capacity`).

    It waits for admission (with the disconnect listener running, so a client that gives up
    leaves the queue), its first token is due ``--ttft-ms`` after admission, and each next token
    ``max(--itl-ms, N / T)`` after the previous one, with N read at every token: the gap follows
    the load as streams come and go. A separate class, so the default stream's hot path is as it
    was.
    """

    unpaced = False

    def __init__(self, answer: Answer, state: ServerState) -> None:
        super().__init__(answer, state)
        assert state.capacity is not None
        self.capacity = state.capacity
        self._holds_slot = False
        self._due = self._first_due

    async def _admitted(self) -> bool:
        admission = self.capacity.enter()
        assert self._done is not None
        await asyncio.wait((admission, self._done), return_when=asyncio.FIRST_COMPLETED)
        if not admission.done():
            admission.cancel()  # the client left while queued
            return False
        self._holds_slot = True
        self._due = self._first_due = time.perf_counter() + self.state.settings.ttft_ms / 1000
        return not self.closed

    def _leave(self) -> None:
        if self._holds_slot:
            self._holds_slot = False
            self.capacity.leave()

    def emit(self, now: float) -> float | None:
        """Send the next event; the one after is due one shared-budget step later."""
        events, index = self.events, self.sent
        self.sent = index + 1
        last = self.sent == len(events)
        body = events[index] + self._closing() if last else events[index]
        self._write(body, last)
        if last:
            return None
        self._due += self.capacity.step_s(self._step)
        return self._due
