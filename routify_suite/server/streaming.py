"""The SSE response: paced token events, and a clean end when the client goes away.

Event *i* is due at ``start + ttft + i x itl`` (absolute deadlines, so delays never add up).
A second task waits for ``http.disconnect``; when the client leaves mid-stream the writer is
cancelled at once, the tokens already delivered are charged, the rest of the reservation is
returned and the stream count drops, so nothing lingers until the text would have ended.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from routify_suite.server.pacing import wait_until
from routify_suite.server.rendering import ChunkWriter
from routify_suite.server.service import Answer
from routify_suite.server.state import ServerState

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


class CompletionStream(Response):
    media_type = "text/event-stream"

    def __init__(self, answer: Answer, state: ServerState) -> None:
        # Not Response.__init__: it would add "content-length: 0" for the empty body.
        self.status_code = 200
        self.background = None
        self.init_headers({**answer.headers, **SSE_HEADERS})
        self.answer = answer
        self.state = state
        self.sent = 0
        self.events = ChunkWriter(answer).delta_events()
        self.finishing = False
        self.client_gone = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        streams = self.state.streams
        streams.opened()
        writer = asyncio.current_task()
        assert writer is not None
        listener = asyncio.ensure_future(self._watch_disconnect(receive, writer))
        try:
            await self._write(send)
        except asyncio.CancelledError:
            if not self.client_gone:
                raise  # cancelled from outside (server shutdown), not by a disconnect
            writer.uncancel()
        finally:
            listener.cancel()
            if not self.finishing:
                self._settle_partial()
            streams.closed(cancelled=not self.finishing)

    async def _watch_disconnect(self, receive: Receive, writer: asyncio.Task[Any]) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not self.finishing:
                    self.client_gone = True
                    writer.cancel()
                return

    async def _write(self, send: Send) -> None:
        settings = self.state.settings
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        events = self.events
        last = len(events) - 1
        if settings.ttft_ms <= 0 and settings.itl_ms <= 0:
            self.sent = len(events)
            body = b"".join(events) + self._closing()
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        due = self.answer.started + settings.ttft_ms / 1000
        step = settings.itl_ms / 1000
        for index, event in enumerate(events):
            await wait_until(due)
            due += step
            self.sent = index + 1
            if index == last:
                event += self._closing()
                await send({"type": "http.response.body", "body": event, "more_body": False})
            else:
                await send({"type": "http.response.body", "body": event, "more_body": True})

    def _closing(self) -> bytes:
        """Settle the full cost and render the tail; from here on a disconnect changes nothing."""
        self.finishing = True
        answer = self.answer
        cost = answer.reservation.settle(answer.cost_nano())
        completion = answer.completion
        return ChunkWriter(answer).closing(
            completion.completion_tokens, completion.finish_reason, cost
        )

    def _settle_partial(self) -> None:
        answer = self.answer
        undelivered = len(self.events) - self.sent
        delivered = max(0, answer.completion.completion_tokens - undelivered)
        answer.reservation.settle(answer.cost_nano(delivered))
