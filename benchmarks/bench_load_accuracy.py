"""How close the load suite's TTFT and ITL come to what the server injected.

The reference server is started with ``--ttft-ms 200 --itl-ms 20``; ``routify-suite load`` runs the
stream scenario at 1, 50 and 500 concurrent streams and the measured p50/p99 are printed against
the injected values. Goal: median error under 2 ms at 50 streams. The error includes the server's
own scheduling (asyncio timers, one process) as well as the client's, and on a shared 2-core
machine both compete for CPU at high concurrency.

    python benchmarks/bench_load_accuracy.py [--run-time 15s] [--streams 1,50,500] [--workers 0]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rich.console import Console

from routify_suite.load.options import LoadOptions
from routify_suite.load.processes import ReferenceServer
from routify_suite.load.run import run_load

TTFT_MS = 200.0
ITL_MS = 20.0


def measure(base_url: str, streams: int, run_time: str, workers: int, directory: Path) -> dict:
    options = LoadOptions(
        scenario="stream",
        users=streams,
        spawn_rate=float(streams),
        run_time=run_time,
        workers=workers,
        base_url=base_url,
        report_dir=directory,
    )
    quiet = Console(quiet=True)
    code = run_load(options, quiet, quiet)
    if code == 2:
        raise SystemExit(f"load run failed at {streams} streams; see {directory}")
    return json.loads((directory / "summary.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-time", default="15s")
    parser.add_argument("--streams", default="1,50,500")
    parser.add_argument("--workers", type=int, default=0)
    arguments = parser.parse_args()
    counts = [int(n) for n in arguments.streams.split(",")]
    print(f"injected: TTFT {TTFT_MS:g} ms, ITL {ITL_MS:g} ms; run time {arguments.run_time} each;")
    print(f"load generator: {arguments.workers or 'one local'} Locust process(es)")
    header = (
        f"{'streams':>7} {'requests':>8} {'fail':>4} {'TTFT p50':>9} {'err':>7} {'TTFT p99':>9}"
        f" {'err':>7} {'ITL p50':>8} {'err':>7} {'ITL p99':>8} {'err':>7}"
    )
    print(header)
    with (
        tempfile.TemporaryDirectory() as scratch,
        ReferenceServer(Path(scratch) / "server.log", ttft_ms=TTFT_MS, itl_ms=ITL_MS) as server,
    ):
        for streams in counts:
            directory = Path(scratch) / f"streams-{streams}"
            summary = measure(
                server.base_url, streams, arguments.run_time, arguments.workers, directory
            )
            print(row(streams, summary))


def row(streams: int, summary: dict) -> str:
    """Measured p50/p99 and their error against the injected value, in ms."""
    cells = []
    for name, injected in (("ttft_ms", TTFT_MS), ("itl_ms", ITL_MS)):
        for percentile in ("p50", "p99"):
            value = summary[name][percentile]
            if value is None:
                cells += [f"{'-':>9}", f"{'-':>7}"]
            else:
                cells += [f"{value:9.2f}", f"{value - injected:+7.2f}"]
    return f"{streams:7d} {summary['requests']:8d} {summary['failures']:4d} " + " ".join(cells)


if __name__ == "__main__":
    main()
