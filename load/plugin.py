"""Locust glue: options, exact metrics per process, their merge on the master, the metrics file.

Importing this module (every scenario does) registers the listeners. Roles:

- a process that runs users records each request's result from the ``request`` event's context;
- a worker drains what it recorded into every stats report (``report_to_master``); when the run
  stops, the master asks each worker (custom message ``routify_flush``) for what it holds and waits
  for the answers (``routify_metrics``), and each worker sends one last ``routify_metrics`` once
  its users have stopped, so the end of the run is not lost in Locust's short quit;
- the master (or a lone local process) merges, samples the user count once a second, keeps a
  small ``live.json`` for progress displays, and at the end writes ``metrics.json`` (encoded
  histograms and counters) that ``report.py`` turns into ``summary.json`` and plots.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Final

import gevent
import gevent.event
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from routify_suite.load.files import CLI_ENV, LIVE_FILE, METRICS_FILE, write_json
from routify_suite.load.histograms import SCALE, summarize
from routify_suite.load.pacing import ArrivalSchedule
from routify_suite.load.payload import DEFAULT_MAX_TOKENS, DEFAULT_MODEL
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.transports import CLIENTS
from routify_suite.load.workloads import (
    DEFAULT_ENCODING,
    ENCODINGS,
    WorkloadError,
    WorkloadSpec,
    parse_goodput,
    tokenizer,
)

MESSAGE: Final = "routify_metrics"
FLUSH: Final = "routify_flush"
FLUSH_TIMEOUT_S: Final = 10.0
CPU_NOTE: Final = (
    "a load generator's CPU went above 90 %: its own delays are in the latency figures;"
    " add --workers (or machines)"
)
REPORT_KEY: Final = "routify"
MAX_WINDOWS: Final = 120
"""At most this many time windows per run (plots over time), whatever the run time."""

logger = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    group = parser.add_argument_group("routify", "Routify chat-completions load")
    group.add_argument(
        "--model", default=DEFAULT_MODEL, env_var="ROUTIFY_MODEL", help="model to request"
    )
    group.add_argument(
        "--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="max_tokens per request"
    )
    group.add_argument(
        "--client", choices=CLIENTS, default="fasthttp", help="HTTP client of the users"
    )
    group.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        help="total requests/s to schedule (open model; records intended vs actual send time)",
    )
    group.add_argument("--request-timeout", type=float, default=60.0, help="per-read timeout, s")
    group.add_argument(
        "--metrics-dir", default="", help="where the master writes metrics.json and live.json"
    )
    group.add_argument("--shape-steps", type=int, default=4, help="stairs of the step shape")
    workload = parser.add_argument_group("routify workload", "What each request asks for")
    workload.add_argument(
        "--input-tokens",
        default="",
        metavar="MEAN[,STDDEV]",
        help="synthetic prompts of this many tokens (normal distribution, clipped at 1)",
    )
    workload.add_argument(
        "--output-tokens",
        default="",
        metavar="MEAN[,STDDEV]",
        help="max_tokens drawn per request (normal distribution, clipped at 1)",
    )
    workload.add_argument(
        "--dataset", default="", help="JSON Lines of messages, or ShareGPT conversations"
    )
    workload.add_argument(
        "--turns", type=int, default=1, help="requests per session, resending the history"
    )
    workload.add_argument(
        "--ignore-eos",
        action="store_true",
        default=False,
        help="send vLLM's ignore_eos: true and min_tokens (not in the Routify spec)",
    )
    workload.add_argument(
        "--tokenizer",
        choices=ENCODINGS,
        default=DEFAULT_ENCODING,
        help="offline tokenizer (bpe-openai) that sizes and counts prompts",
    )
    workload.add_argument(
        "--warmup", type=float, default=0.0, help="seconds at the start that are not measured"
    )
    workload.add_argument(
        "--goodput",
        default="",
        metavar="METRIC=MS,...",
        help="per-request maxima for goodput, e.g. ttft_ms=800,itl_ms=50",
    )


class Collector:
    """This process's share of the run's metrics, in whatever role the runner gives it."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.recorder = MetricsRecorder()
        self.started: float | None = None
        self.stopped: float | None = None
        self.sampler: gevent.Greenlet | None = None
        self.workers_seen = 0
        runner = environment.runner
        self.is_worker = isinstance(runner, WorkerRunner)
        self.is_master = isinstance(runner, MasterRunner)
        events = environment.events
        events.request.add_listener(self.on_request)
        events.test_start.add_listener(self.on_test_start)
        events.test_stop.add_listener(self.on_test_stop)
        self.flushed: set[str] = set()
        self.expected: set[str] = set()
        self.all_flushed = gevent.event.Event()
        self.schedules: list[ArrivalSchedule] = []
        self.measure_from = 0.0
        self.workload: dict[str, Any] = {}
        if not self.is_master and not self.is_worker:
            # Loading the tokenizer takes about a second: before the run rather than in it. (A
            # worker learns its options from the master only when the run starts.)
            try:
                spec = WorkloadSpec.from_options(self.options)
            except WorkloadError:
                spec = WorkloadSpec()
            if spec.uses_tokenizer:
                tokenizer(spec.encoding)
        if self.is_worker:
            events.report_to_master.add_listener(self.on_report_to_master)
            runner.register_message(FLUSH, self.on_flush, concurrent=True)
        else:
            events.worker_report.add_listener(self.on_worker_report)
            events.quitting.add_listener(self.on_quitting)
            if self.is_master:
                runner.register_message(MESSAGE, self.on_message)
                events.test_stopping.add_listener(self.on_test_stopping)

    @property
    def options(self) -> Any:
        return self.environment.parsed_options

    def on_request(self, context: dict[str, Any] | None = None, **_: Any) -> None:
        result = (context or {}).get("routify")
        # Measured: what finished after the warm-up (a steady state's throughput, Little's law).
        if result is not None and result.started_at + result.e2e_s >= self.measure_from:
            self.recorder.record(result, time.time())

    def _start_measuring(self, window: int) -> None:
        """A fresh recorder; requests that end within ``--warmup`` seconds are not measured."""
        options = self.options
        warmup = max(0.0, float(getattr(options, "warmup", 0.0) or 0.0))
        self.measure_from = time.perf_counter() + warmup
        self.schedules = []
        try:
            bounds = parse_goodput(getattr(options, "goodput", "") or "")
            spec = WorkloadSpec.from_options(options)
        except WorkloadError as error:
            logger.error("routify: %s", error)
            bounds, spec = {}, WorkloadSpec()
        self.workload = spec.describe()
        self.recorder = MetricsRecorder(window, bounds)

    def on_test_start(self, **_: Any) -> None:
        if self.is_worker:
            self._start_measuring(getattr(self.options, "metrics_window_s", 1))
            return
        options = self.options
        run_time = getattr(options, "run_time", None) or 0
        window = max(1, math.ceil(run_time / MAX_WINDOWS)) if run_time else 5
        # Custom attributes of parsed_options travel to the workers with each spawn message.
        options.metrics_window_s = window
        # The user count the run starts for (web UI form, -u or the shape's first tick).
        target = getattr(self.environment.runner, "target_user_count", None)
        options.arrival_users = target or getattr(options, "num_users", None) or 1
        paces = getattr(self.environment.shape_class, "paces_arrivals", False)
        if paces and not getattr(options, "arrival_rate", 0.0):
            options.arrival_rate = float(options.arrival_users)  # one request/s per user
        self._start_measuring(window)
        warmup = max(0.0, float(getattr(options, "warmup", 0.0) or 0.0))
        self.started, self.stopped = time.time() + warmup, None
        if self.sampler is None:
            self.sampler = gevent.spawn(self._sample)

    def _count_missed(self) -> None:
        """Slots of every arrival schedule whose time came before now but were never sent."""
        now = time.perf_counter()
        missed = sum(
            math.ceil((now - schedule.next_at) / schedule.period_s)
            for schedule in self.schedules
            if schedule.next_at < now
        )
        self.schedules = []
        if missed:
            self.recorder.note_missed(missed)

    def on_test_stop(self, **_: Any) -> None:
        if not self.is_master:
            self._count_missed()
        if self.is_worker:
            self._send_metrics(flush=False)
            return
        self.stopped = time.time()
        self._write_live("stopped")

    def on_report_to_master(self, data: dict[str, Any], **_: Any) -> None:
        data[REPORT_KEY] = self.recorder.drain()

    def on_worker_report(self, data: dict[str, Any], **_: Any) -> None:
        snapshot = data.get(REPORT_KEY)
        if snapshot:
            self.recorder.merge(snapshot)

    def on_test_stopping(self, **_: Any) -> None:
        """Before Locust quits, have every worker send what it holds, and wait for it (bounded).

        On quit Locust's master waits only half a second for the workers' last reports; under
        load that can drop the end of the run, for Locust's figures and ours alike.
        """
        runner = self.environment.runner
        expected = {client.id for client in runner.clients.all}
        if not expected:
            return
        self.flushed.clear()
        self.all_flushed.clear()
        self.expected = expected
        runner.send_message(FLUSH)
        if not self.all_flushed.wait(FLUSH_TIMEOUT_S):
            missing = len(expected - self.flushed)
            logger.warning("routify: %d workers sent no final metrics in time", missing)

    def on_flush(self, environment: Environment, msg: Any, **_: Any) -> None:
        self._send_metrics(flush=True)

    def _send_metrics(self, flush: bool) -> None:
        self.environment.runner.send_message(
            MESSAGE, {"metrics": self.recorder.drain(), "flush": flush}
        )

    def on_message(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.recorder.merge(msg.data["metrics"])
        if msg.data.get("flush"):
            self.flushed.add(msg.node_id)
            if self.flushed >= self.expected:
                self.all_flushed.set()

    def _sample(self) -> None:
        """Once a second: the user count for the plots, and the live progress file."""
        while True:
            runner = self.environment.runner
            if runner is not None and self.stopped is None:
                self.recorder.note_users(time.time(), runner.user_count)
                if self.is_master:
                    self.workers_seen = max(self.workers_seen, runner.worker_count)
                self._write_live("running")
            gevent.sleep(1.0)

    def _write_live(self, state: str) -> None:
        directory = getattr(self.options, "metrics_dir", "")
        if not directory:
            return
        runner = self.environment.runner
        live = {
            "state": state,
            "elapsed_s": time.time() - (self.started or time.time()),
            "users": runner.user_count if runner else 0,
            "requests": self.recorder.requests,
            "failures": self.recorder.failures,
            "workers": runner.worker_count if self.is_master else 0,
            "ttft_p50_ms": self._median("ttft_ms"),
            "e2e_p50_ms": self._median("e2e_ms"),
        }
        write_json(Path(directory) / LIVE_FILE, live)

    def _median(self, name: str) -> float | None:
        histogram = self.recorder.histograms.get(name)
        if histogram is None or not histogram.get_total_count():
            return None
        return histogram.get_value_at_percentile(50) / SCALE

    def _notes(self) -> list[str]:
        runner = self.environment.runner
        busy = runner is not None and (
            runner.cpu_warning_emitted or getattr(runner, "worker_cpu_warning_emitted", False)
        )
        return [CPU_NOTE] if busy else []

    def on_quitting(self, environment: Environment, **_: Any) -> None:
        if self.sampler is not None:
            self.sampler.kill(block=False)
        started = self.started or time.time()
        stopped = self.stopped or time.time()
        stats = environment.runner.stats.total if environment.runner else None
        info = {
            "started": started,
            "stopped": stopped,
            "host": environment.host or "",
            "model": getattr(self.options, "model", ""),
            "client": getattr(self.options, "client", ""),
            "arrival_rate": getattr(self.options, "arrival_rate", 0.0),
            "users": getattr(self.options, "num_users", None) or 0,
            "workers": self.workers_seen,
            "scenario": scenario_name(environment.user_classes),
            "shape": shape_name(environment.shape_class),
            "user_classes": sorted(cls.__name__ for cls in environment.user_classes),
            "locust_requests": stats.num_requests if stats else None,
            "notes": self._notes(),
            "workload": self.workload,
        }
        logger.info(
            "routify: %d requests, %d failures (Locust counted %s)",
            self.recorder.requests,
            self.recorder.failures,
            info["locust_requests"],
        )
        for name in ("ttft_ms", "itl_ms", "e2e_ms"):
            histogram = self.recorder.histograms.get(name)
            if histogram is not None and histogram.get_total_count():
                figures = summarize(histogram)
                logger.info(
                    "routify: %s p50 %s · p95 %s · p99 %s · max %s",
                    name,
                    *(figures[key] for key in ("p50", "p95", "p99", "max")),
                )
        directory = getattr(self.options, "metrics_dir", "")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            write_json(
                Path(directory) / METRICS_FILE,
                {"run": info, "metrics": self.recorder.snapshot()},
            )
            if os.environ.get(CLI_ENV) != "1":  # plain `locust`: no CLI to write the report
                _write_report(Path(directory), started, stopped)


def scenario_name(user_classes: Any) -> str:
    """The scenario as ``routify-suite load --scenario`` names it: StreamUser -> "stream"."""
    names = sorted({cls.__name__.removesuffix("User").lower() for cls in user_classes})
    return ",".join(names)


def shape_name(shape: Any) -> str:
    """The shape as ``--shape`` names it: ConstantArrivalRateShape -> constant-arrival-rate."""
    if shape is None:
        return "constant"
    name = type(shape).__name__.removesuffix("Shape")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _write_report(directory: Path, started: float, stopped: float) -> None:
    """summary.json (no SLO gate) and the plots, for runs started with plain ``locust``."""
    from routify_suite.load.report import finish_report, read_metrics
    from routify_suite.load.summary import RunInfo

    finish_report(read_metrics(directory, RunInfo(started, stopped)), [], directory)
    logger.info("routify: summary.json and plots written to %s", directory)


@events.init.add_listener
def on_init(environment: Environment, **_: Any) -> None:
    collector = Collector(environment)
    environment.routify_collector = collector  # type: ignore[attr-defined]
    if environment.web_ui is not None and not collector.is_worker:
        from routify_suite.load.webui import install

        install(
            environment.web_ui, lambda: (collector.recorder, collector.started, collector.stopped)
        )
