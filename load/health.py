"""The load generator checks itself: is a latency the server's, or the client's own delay?

Every Locust process runs a :class:`HealthProbe` greenlet that asks the gevent hub to wake it
every :data:`TICK_S`; how late it wakes is the event loop's lag, the delay any user's timestamp
may carry at that moment. Beside it: the process's CPU %, Python's GC pauses (``gc.callbacks``)
and the time the plugin's own stats flushes and file writes take. A tick late by more than
:data:`STALL_MS` is a stall, kept with its likely cause: GC, a flush or write of our own, this
process computing (it used the CPU meanwhile), waiting for a CPU (runnable but not run: the
kernel's run-queue time, ``/proc/self/schedstat``, grew; the machine was busy), or blocked (it
neither ran nor waited for a CPU: a call that blocked the loop, on a disk or a lock).

The figures travel in :class:`GeneratorHealth`, which adds up exactly across processes like the
recorder's, and become ``summary.json``'s ``generator`` block with the terminal's warnings.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from routify_suite.load.histograms import add_encoded, encode, new_histogram, record, summarize

TICK_S: Final = 0.02
STALL_MS: Final = 50.0
"""A tick this late is a stall worth naming (one frame of a 20 ms ITL lost, and more)."""
LAG_P99_WARN_MS: Final = 5.0
CPU_WARN_PERCENT: Final = 90.0
MAX_STALLS: Final = 20
CAUSES: Final = ("gc", "flush", "write", "busy", "waiting for a CPU")
BLOCKED: Final = "blocked"
SCHEDSTAT: Final = "/proc/self/schedstat"
PROCESS_FIELDS: Final = (
    "cpu_sum",
    "cpu_samples",
    "cpu_max",
    "gc_pauses",
    "gc_total_ms",
    "gc_max_ms",
    "flushes",
    "flush_max_ms",
    "writes",
    "write_max_ms",
)


class GeneratorHealth:
    """Mergeable figures of the generator's processes (see module docstring)."""

    def __init__(self) -> None:
        self.lag = new_histogram()
        self.processes: dict[str, dict[str, float]] = {}
        self.stalls: list[dict[str, Any]] = []

    def process(self, role: str) -> dict[str, float]:
        if role not in self.processes:
            self.processes[role] = dict.fromkeys(PROCESS_FIELDS, 0.0)
        return self.processes[role]

    def snapshot(self) -> dict[str, Any]:
        return {
            "lag": encode(self.lag),
            "processes": {role: dict(figures) for role, figures in self.processes.items()},
            "stalls": list(self.stalls),
        }

    def merge(self, snapshot: dict[str, Any]) -> None:
        add_encoded(self.lag, snapshot["lag"])
        for role, figures in snapshot.get("processes", {}).items():
            mine = self.process(role)
            for name, value in figures.items():
                largest = name.endswith("_max") or name.endswith("_max_ms")
                mine[name] = max(mine[name], value) if largest else mine[name] + value
        self.stalls = sorted([*self.stalls, *snapshot.get("stalls", [])], key=lambda s: -s["ms"])
        del self.stalls[MAX_STALLS:]

    def summary(self, started: float) -> dict[str, Any]:
        """``summary.json``'s ``generator`` block, with warnings when the figures say so."""
        lag = summarize(self.lag)
        processes = {role: _process_summary(figures) for role, figures in self.processes.items()}
        stalls = [
            {**stall, "at_s": round(stall["at"] - started, 1)}
            for stall in sorted(self.stalls, key=lambda s: s["at"])
        ]
        return {
            "loop_lag_ms": {key: lag[key] for key in ("count", "p50", "p99", "max")},
            "processes": processes,
            "stalls": stalls,
            "warnings": _warnings(lag, processes, stalls),
        }


def _process_summary(figures: dict[str, float]) -> dict[str, Any]:
    samples = figures["cpu_samples"]
    return {
        "cpu_percent_mean": round(figures["cpu_sum"] / samples, 1) if samples else None,
        "cpu_percent_max": round(figures["cpu_max"], 1),
        "gc_pauses": int(figures["gc_pauses"]),
        "gc_pause_max_ms": round(figures["gc_max_ms"], 2),
        "gc_pause_total_ms": round(figures["gc_total_ms"], 1),
        "flushes": int(figures["flushes"]),
        "flush_max_ms": round(figures["flush_max_ms"], 2),
        "writes": int(figures["writes"]),
        "write_max_ms": round(figures["write_max_ms"], 2),
    }


def _warnings(
    lag: dict[str, Any], processes: dict[str, dict[str, Any]], stalls: list[dict[str, Any]]
) -> list[str]:
    warnings = []
    if (lag.get("p99") or 0) > LAG_P99_WARN_MS:
        warnings.append(
            f"the load generator's event loop lagged (p99 {lag['p99']:g} ms, max"
            f" {lag['max']:g} ms): client delays of that size are inside the latency figures"
        )
    if stalls:
        worst = max(stalls, key=lambda s: s["ms"])
        warnings.append(
            f"the load generator stalled {len(stalls)} time(s) for {STALL_MS:g} ms or more;"
            f" longest {worst['ms']:,.0f} ms at {worst['at_s']:g} s on {worst['process']}"
            f" (cause: {worst['cause']}): latencies around then include it"
        )
    for role, figures in sorted(processes.items()):
        mean = figures["cpu_percent_mean"]
        if mean is not None and mean > CPU_WARN_PERCENT:
            warnings.append(
                f"load generator {role} used {mean:g} % CPU on average: its own delays are in"
                " the latency figures; add --workers (or machines)"
            )
    return warnings


class HealthProbe:
    """This process's measurements, written into whatever :class:`GeneratorHealth` the
    ``target`` callable returns (the current recorder's)."""

    def __init__(self, role: Any, target: Any) -> None:
        self._role = role
        self._target = target
        self._gc_started = 0.0
        self._gc_s = 0.0
        self._gc_count = 0
        self._gc_max_s = 0.0
        self._gc_folded = (0, 0.0)
        self._own_s = {"flush": 0.0, "write": 0.0}
        gc.callbacks.append(self._on_gc)

    @property
    def role(self) -> str:
        """local, master or worker-N (a worker learns its index from the master)."""
        return str(self._role())

    @property
    def figures(self) -> dict[str, float]:
        return self._target().process(self.role)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """Called around every collection (several per request): kept to a few attributes,
        folded into the figures by the probe's tick."""
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self._gc_started
        self._gc_s += pause
        self._gc_count += 1
        if pause > self._gc_max_s:
            self._gc_max_s = pause

    def _fold_gc(self, figures: dict[str, float]) -> None:
        count, seconds = self._gc_folded
        figures["gc_pauses"] += self._gc_count - count
        figures["gc_total_ms"] += (self._gc_s - seconds) * 1000
        figures["gc_max_ms"] = max(figures["gc_max_ms"], self._gc_max_s * 1000)
        self._gc_folded = (self._gc_count, self._gc_s)
        self._gc_max_s = 0.0

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        """Time one of the plugin's own flushes or writes (``what``: flush or write)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self._own_s[what] += took
            figures = self.figures
            figures[f"{what}es" if what == "flush" else f"{what}s"] += 1
            key = f"{what}_max_ms"
            figures[key] = max(figures[key], took * 1000)

    def run(self, sleep: Any) -> None:
        """The probe's loop (a greenlet); ``sleep`` is gevent's."""
        import psutil

        process = psutil.Process(os.getpid())
        process.cpu_percent(None)
        next_cpu = time.perf_counter() + 1.0
        queue = _RunQueue()
        while True:
            wall, cpu, queued = time.perf_counter(), time.process_time(), queue.seconds()
            before = (self._gc_s, self._own_s["flush"], self._own_s["write"])
            sleep(TICK_S)
            now = time.perf_counter()
            late = max(0.0, now - wall - TICK_S)
            health = self._target()
            record(health.lag, late * 1000)
            if late * 1000 >= STALL_MS:
                spent = (
                    self._gc_s - before[0],
                    self._own_s["flush"] - before[1],
                    self._own_s["write"] - before[2],
                    time.process_time() - cpu,
                    queue.seconds() - queued,
                )
                self._stall(health, late, spent)
            if now >= next_cpu:
                next_cpu = now + 1.0
                percent = process.cpu_percent(None)
                figures = health.process(self.role)
                self._fold_gc(figures)
                figures["cpu_sum"] += percent
                figures["cpu_samples"] += 1
                figures["cpu_max"] = max(figures["cpu_max"], percent)

    def _stall(self, health: GeneratorHealth, late: float, spent: tuple[float, ...]) -> None:
        """Keep the stall with its likely cause: what used at least half of its time."""
        cause = BLOCKED
        for name, seconds in zip(CAUSES, spent, strict=False):
            if seconds >= late / 2:
                cause = name
                break
        health.stalls.append(
            {"at": time.time(), "ms": round(late * 1000, 1), "process": self.role, "cause": cause}
        )
        health.stalls.sort(key=lambda s: -s["ms"])
        del health.stalls[MAX_STALLS:]


class _RunQueue:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat; 0 where
    the kernel does not say)."""

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open(SCHEDSTAT, os.O_RDONLY)
        except OSError:
            self._fd = None

    def seconds(self) -> float:
        if self._fd is None:
            return 0.0
        try:
            return int(os.pread(self._fd, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0
