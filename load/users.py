"""The Locust user that talks to ``POST /v1/chat/completions``, streaming or not.

Each request becomes one :class:`load.metrics.RequestResult` and one Locust ``request`` event
(response time = end-to-end), so Locust's own CSV/HTML and its web UI count every request once; the
result rides in the event's ``context`` for ``plugin.py`` to record exactly.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import replace
from functools import cache

import gevent
from gevent import GreenletExit
from locust import User

from routify_suite.load.files import KEY_ENV, REFERENCE_KEY
from routify_suite.load.metrics import (
    Kind,
    RequestResult,
    StreamObserver,
    error_result,
    measure_response,
)
from routify_suite.load.payload import DEFAULT_MAX_TOKENS, DEFAULT_MODEL, PATH
from routify_suite.load.records import CUT_REASON
from routify_suite.load.transports import Transport, make_transport
from routify_suite.load.workloads import PlannedRequest, Session, Workload, WorkloadSpec

logger = logging.getLogger(__name__)


class LoadFailure(Exception):
    """A failed request as Locust sees it; the message is the result's one-line reason."""


@cache
def api_key() -> str:
    key = os.environ.get(KEY_ENV)
    if not key:
        state = "is not set" if key is None else "is empty"
        logger.warning("%s %s; using the reference server's valid key", KEY_ENV, state)
    return key or REFERENCE_KEY


class RoutifyUser(User):
    """Sends chat completions; scenarios subclass it and pick the mix with ``@task``."""

    abstract = True

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.model: str = getattr(options, "model", DEFAULT_MODEL)
        self.max_tokens: int = getattr(options, "max_tokens", DEFAULT_MAX_TOKENS)
        self.transport: Transport = make_transport(
            getattr(options, "client", "fasthttp"),
            self.host or "http://127.0.0.1:8080/v1",
            {
                "Authorization": f"Bearer {api_key()}",
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
            },
            read_timeout=getattr(options, "request_timeout", 60.0),
        )
        self.workload = Workload(WorkloadSpec.from_options(options), random.Random())
        self.session: Session | None = None
        self.collector = getattr(self.environment, "routify_collector", None)
        self.number = self.collector.next_user() if self.collector is not None else 0
        self.observer: StreamObserver | None = None
        """The stream in flight, so a run that stops mid-stream still counts what it received."""
        self.keep_text = self.workload.keeps_history or self.workload.tokenizer is not None
        """Replies' text is kept only when used: the next turn's history, or a token recount."""

    def wait_time(self) -> float:
        return 0.0  # closed model: back to back; an arrival schedule waits in _send

    def chat_completion(self) -> RequestResult:
        return self._send("chat")

    def streaming_chat_completion(self) -> RequestResult:
        return self._send("stream")

    def _send(self, kind: Kind) -> RequestResult:
        intended = None
        schedule = self.collector.schedule if self.collector is not None else None
        if schedule is not None:  # open model: this free user takes the process's next slot
            intended = schedule.take()
            delay = intended - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
        if self.session is None or self.session.done:
            self.session = self.workload.new_session()
        plan = self.session.next_request(kind == "stream", self.model)
        body = plan.body
        started = time.perf_counter()
        reconnects = self.transport.reconnects
        self.observer = None
        try:
            result, length = (
                self._stream(body, started, intended)
                if kind == "stream"
                else self._post(body, started, intended)
            )
        except GreenletExit:  # the run stopped mid-request: count it as cut, then let it go
            self._cut(kind, plan, started, intended)
            raise
        except Exception as error:  # a transport failure is a result, not a crash
            self.transport.reset()
            reason = f"transport: {type(error).__name__}"
            result = error_result(kind, 0, b"", started, time.perf_counter(), intended, reason)
            length = 0
        result = self._with_plan(result, plan)
        if self.transport.reconnects != reconnects:
            result = replace(result, reconnects=self.transport.reconnects - reconnects)
        if result.ok:
            self.session.add_reply(result.text)
        else:
            self.session = None  # a failed turn ends the session; the next request starts anew
        self._publish(result, length)
        return result

    def _cut(
        self, kind: Kind, plan: PlannedRequest, started: float, intended: float | None
    ) -> None:
        """Hand the collector what a request cut by the window's end had received."""
        observer, self.observer = self.observer, None
        if self.collector is None:
            return
        now = time.perf_counter()
        if kind == "stream" and observer is not None:
            status = 200 if observer.first_token_at is not None else 0
            result = observer.finish(now, status, CUT_REASON)
        else:
            result = error_result(kind, 0, b"", started, now, intended, CUT_REASON)
        self.collector.record_cut(self._with_plan(result, plan), self.number)

    def _with_plan(self, result: RequestResult, plan: PlannedRequest) -> RequestResult:
        """The workload's side of the result: turn, prompt length, output counted if needed."""
        changes: dict[str, object] = {
            "turn": plan.turn,
            "input_tokens": plan.input_tokens,
            "max_tokens": plan.max_tokens,
        }
        counter = self.workload.tokenizer
        if result.ok and result.token_source == "deltas" and result.text and counter is not None:
            changes["output_tokens"] = counter.count(result.text)
            changes["token_source"] = "tokenizer"
        return replace(result, **changes)  # type: ignore[arg-type]

    def _post(
        self, body: bytes, started: float, intended: float | None
    ) -> tuple[RequestResult, int]:
        status, data = self.transport.post(PATH, body)
        finished = time.perf_counter()
        result = measure_response(status, data, started, finished, intended, self.keep_text)
        return result, len(data)

    def _stream(
        self, body: bytes, started: float, intended: float | None
    ) -> tuple[RequestResult, int]:
        observer = StreamObserver(
            started_at=started, intended_at=intended, keep_text=self.keep_text
        )
        self.observer = observer
        status, error_body, length = 0, b"", 0
        try:
            for status, data, at in self.transport.stream(PATH, body):
                length += len(data)
                if status != 200:
                    error_body += data
                elif data:
                    observer.feed(data, at)
        except Exception as error:
            if status != 200:
                raise
            self.transport.reset()
            failed = observer.finish(
                time.perf_counter(), status, f"transport: {type(error).__name__}"
            )
            return failed, length
        finished = time.perf_counter()
        self.observer = None
        if status != 200:
            return error_result("stream", status, error_body, started, finished, intended), length
        return observer.finish(finished, status), length

    def _publish(self, result: RequestResult, length: int) -> None:
        self.environment.events.request.fire(
            request_type="POST",
            name=result.kind,
            response_time=result.e2e_s * 1000,
            response_length=length,
            response=None,
            context={"routify": result, "routify_user": self.number},
            exception=None if result.ok else LoadFailure(result.error),
            start_time=time.time() - result.e2e_s,
            url=PATH,
        )
