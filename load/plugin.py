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
import time
from pathlib import Path
from typing import Any, Final

import gevent
import gevent.event
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from routify_suite.load.arrivals import (
    ArrivalShare,
    describe_schedule,
    plan_schedule,
    share_from_options,
)
from routify_suite.load.background_writes import BackgroundWriter
from routify_suite.load.files import CLI_ENV, LIVE_FILE, METRICS_FILE, write_json
from routify_suite.load.health import HealthProbe
from routify_suite.load.histograms import SCALE
from routify_suite.load.locust_options import add_options
from routify_suite.load.metrics import RequestResult
from routify_suite.load.naming import scenario_name, shape_name
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.records import (
    RECORD_FILE,
    RecordLog,
    request_record,
    tokens_within,
)
from routify_suite.load.workloads import (
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
RECORDS_KEY: Final = "routify_records"
MAX_WINDOWS: Final = 120
"""At most this many time windows per run (plots over time), whatever the run time."""

logger = logging.getLogger(__name__)
events.init_command_line_parser.add_listener(add_options)


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
        events.test_stopping.add_listener(self.on_window_end)
        self.flushed: set[str] = set()
        self.expected: set[str] = set()
        self.all_flushed = gevent.event.Event()
        self.schedule: ArrivalShare | None = None
        self.measure_from = 0.0
        self.measure_to: float | None = None
        """The measured window, in perf_counter readings (its end once the run stops)."""
        self.records = RecordLog()
        self.users_started = 0
        self.probe = HealthProbe(self._role, lambda: self.recorder.generator)
        self.prober: gevent.Greenlet | None = None
        self.writer = BackgroundWriter(self.probe.timed)
        self.epoch_offset = time.time() - time.perf_counter()
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

    def _role(self) -> str:
        if self.is_worker:
            return f"worker-{self.worker_index}"
        return "master" if self.is_master else "local"

    @property
    def worker_index(self) -> int:
        return (
            int(getattr(self.environment.runner, "worker_index", 0) or 0) if self.is_worker else 0
        )

    def next_user(self) -> int:
        """A number for a new user, unique in this process (with the worker index: in the run)."""
        self.users_started += 1
        return self.users_started

    def on_request(self, context: dict[str, Any] | None = None, **_: Any) -> None:
        context = context or {}
        result = context.get("routify")
        if result is None:
            return
        # Measured: what finished after the warm-up (a steady state's throughput, Little's law).
        if result.started_at + result.e2e_s >= self.measure_from:
            self.recorder.record(result, time.time())
        self._account(result, context.get("routify_user", 0), cut=False)

    def record_cut(self, result: RequestResult, user: int) -> None:
        """A request the window's end stopped mid-flight: counted as cut, its tokens kept."""
        self.recorder.note_interrupted()
        self._account(result, user, cut=True)

    def _account(self, result: RequestResult, user: int, cut: bool) -> None:
        """The tokens that arrived inside the window, and the request's line."""
        end = self.measure_to if self.measure_to is not None else math.inf
        sent = result.started_at
        inside = self.measure_from <= sent <= end
        self.recorder.note_window_tokens(tokens_within(result, self.measure_from, end), inside)
        self.records.add(
            request_record(
                result,
                worker=self.worker_index,
                user=user,
                epoch_offset=self.epoch_offset,
                in_window=inside,
                cut_by_window=cut,
            )
        )

    def on_window_end(self, **_: Any) -> None:
        """The run is stopping: the measured window ends now, before the users are stopped."""
        self.measure_to = time.perf_counter()
        if not self.is_worker and self.stopped is None:
            self.stopped = time.time()

    def _start_measuring(self, window: int) -> None:
        """A fresh recorder; requests that end within ``--warmup`` seconds are not measured."""
        options = self.options
        warmup = max(0.0, float(getattr(options, "warmup", 0.0) or 0.0))
        self.measure_from = time.perf_counter() + warmup
        self.measure_to = None
        self.schedule = share_from_options(self.options, self.worker_index)
        try:
            bounds = parse_goodput(getattr(options, "goodput", "") or "")
            spec = WorkloadSpec.from_options(options)
        except WorkloadError as error:
            logger.error("routify: %s", error)
            bounds, spec = {}, WorkloadSpec()
        self.workload = spec.describe()
        self.recorder = MetricsRecorder(window, bounds)

    def on_test_start(self, **_: Any) -> None:
        if self.prober is None:
            self.prober = gevent.spawn(self.probe.run, gevent.sleep)
        if self.is_worker:
            self.records.start(None)
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
        runner = self.environment.runner
        plan_schedule(options, runner.worker_count if self.is_master else 1)
        directory = getattr(options, "metrics_dir", "")
        self.records.start(Path(directory) / RECORD_FILE if directory else None)
        self._start_measuring(window)
        warmup = max(0.0, float(getattr(options, "warmup", 0.0) or 0.0))
        self.started, self.stopped = time.time() + warmup, None
        if self.sampler is None:
            self.sampler = gevent.spawn(self._sample)

    def _count_missed(self) -> None:
        """Slots of the arrival schedule whose time came inside the window but went unsent."""
        if self.schedule is not None:
            end = self.measure_to if self.measure_to is not None else time.perf_counter()
            missed = self.schedule.missed_before(end)
            self.schedule = None
            if missed:
                self.recorder.note_missed(missed)

    def on_test_stop(self, **_: Any) -> None:
        if not self.is_master:
            self._count_missed()
        if self.is_worker:
            self._send_metrics(flush=False)
            return
        if self.stopped is None:
            self.stopped = time.time()
        self._write_records()
        self._write_live("stopped")

    def on_report_to_master(self, data: dict[str, Any], **_: Any) -> None:
        with self.probe.timed("flush"):
            data[REPORT_KEY] = self.recorder.drain()
            data[RECORDS_KEY] = self.records.drain()

    def on_worker_report(self, data: dict[str, Any], **_: Any) -> None:
        snapshot = data.get(REPORT_KEY)
        with self.probe.timed("flush"):
            if snapshot:
                self.recorder.merge(snapshot)
        self._write_records(data.get(RECORDS_KEY) or b"")

    def _write_records(self, block: bytes = b"") -> None:
        """Hand the pending lines (and a worker's ``block``) to the writer thread, in order."""
        data = block + self.records.drain()
        if data and self.records.path is not None:
            self.writer.submit(self.records.append, data)

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
            MESSAGE,
            {"metrics": self.recorder.drain(), RECORDS_KEY: self.records.drain(), "flush": flush},
        )

    def on_message(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.recorder.merge(msg.data["metrics"])
        self._write_records(msg.data.get(RECORDS_KEY) or b"")
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
                if not self.is_worker:
                    self._write_records()
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
        self.writer.submit(write_json, Path(directory) / LIVE_FILE, live)

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
        for greenlet in (self.sampler, self.prober):
            if greenlet is not None:
                greenlet.kill(block=False)
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
            "arrival": describe_schedule(self.options),
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
        for line in self.recorder.latency_lines():
            logger.info("routify: %s", line)
        self._write_records()
        self.writer.join()
        directory = getattr(self.options, "metrics_dir", "")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            write_json(
                Path(directory) / METRICS_FILE,
                {"run": info, "metrics": self.recorder.snapshot()},
            )
            if os.environ.get(CLI_ENV) != "1":  # plain `locust`: no CLI to write the report
                from routify_suite.load.report import write_plain_report

                write_plain_report(Path(directory), started, stopped)
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
