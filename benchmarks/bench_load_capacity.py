"""Capacity of one load-generator process: requests and stream chunks per CPU-second.

Against the reference server with no injected delay, one Locust process (20 users, back to back)
runs for a fixed time in each configuration; its CPU time comes from the kernel (``getrusage`` of
the finished child), so "per CPU-second" is what one fully busy core would drive, independent of
whether the server (on the same shared 2-core machine) was the bottleneck during the run.

- routify fasthttp / httpx: this suite's user (SSE parsed as bytes arrive, TTFT/ITL, HDR).
- plain Locust: FastHttpUser reading the same responses, no metrics (bench_load_plain_locustfile).

The routify runs write their metrics (metrics.json, requests.jsonl, summary.json and plots) to a
scratch directory, as ``routify-suite load`` does. Each configuration runs ``--repeat`` times (the
machine is shared: the spread is the noise); CPU-s per 1,000 streams is the figure to compare.

    python benchmarks/bench_load_capacity.py [--run-time 10] [--users 20] [--repeat 3]
        [--only "routify fasthttp"]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from routify_suite.load.files import CLI_ENV, KEY_ENV, REFERENCE_KEY
from routify_suite.load.payload import PATH, request_body
from routify_suite.load.processes import ReferenceServer
from routify_suite.paths import package_dir

PLAIN = Path(__file__).with_name("bench_load_plain_locustfile.py")
SCENARIOS = package_dir("routify_suite.load.scenarios")


def chunks_per_stream(base_url: str) -> int:
    """SSE events in one response to the benchmark's request (same for every request)."""
    body = request_body(stream=True)
    headers = {"Authorization": f"Bearer {REFERENCE_KEY}", "Content-Type": "application/json"}
    with httpx.Client(timeout=10) as client:
        text = client.post(f"{base_url}{PATH}", content=body, headers=headers).text
    return text.count("data:")


def run_locust(
    locustfile: Path,
    base_url: str,
    args: argparse.Namespace,
    env: dict[str, str],
    scratch: Path,
    extra_args: list[str],
) -> tuple[int, int, float, float]:
    """One headless Locust process; (requests, failures, wall seconds, CPU seconds)."""
    prefix = scratch / f"run-{time.monotonic_ns()}"
    if extra_args:  # the routify user: with its metrics files, as under the CLI (which plots)
        extra_args = [*extra_args, "--metrics-dir", str(prefix)]
        env = {**env, CLI_ENV: "1"}
    command = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", base_url,
        "-u", str(args.users), "-r", str(args.users), "--run-time", f"{args.run_time}s",
        "--only-summary", "--csv", str(prefix), "--loglevel", "WARNING",
        "--exit-code-on-error", "0", *extra_args,
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        command, env={**os.environ, **env}, check=True, timeout=args.run_time + 60,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(f"{prefix}_stats.csv", newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return int(total["Request Count"]), int(total["Failure Count"]), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-time", type=int, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="", help="run only generators with this label")
    args = parser.parse_args()
    configurations = [
        ("stream", "routify fasthttp", SCENARIOS / "stream.py", {}, ["--client", "fasthttp"]),
        ("stream", "routify httpx", SCENARIOS / "stream.py", {}, ["--client", "httpx"]),
        ("stream", "plain Locust", PLAIN, {"BENCH_MODE": "stream"}, []),
        ("chat", "routify fasthttp", SCENARIOS / "chat.py", {}, ["--client", "fasthttp"]),
        ("chat", "routify httpx", SCENARIOS / "chat.py", {}, ["--client", "httpx"]),
        ("chat", "plain Locust", PLAIN, {"BENCH_MODE": "chat"}, []),
    ]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        with ReferenceServer(scratch / "server.log") as server:
            per_stream = chunks_per_stream(server.base_url)
            print(f"{args.users} users, {args.run_time} s per run; {per_stream} SSE events/stream")
            print(
                f"{'mode':6} {'generator':17} {'requests':>9} {'fail':>5} {'req/s':>8}"
                f" {'gen CPU%':>8} {'req/CPU-s':>10} {'chunks/CPU-s':>12} {'CPU-s/1k':>9}"
            )
            for mode, label, locustfile, extra_env, extra_args in configurations:
                if args.only and label != args.only:
                    continue
                env = {KEY_ENV: REFERENCE_KEY, **extra_env}
                for _ in range(args.repeat):
                    requests, failures, wall, cpu = run_locust(
                        locustfile, server.base_url, args, env, scratch, extra_args
                    )
                    per_cpu = requests / cpu if cpu else 0.0
                    chunks = f"{per_cpu * per_stream:12,.0f}" if mode == "stream" else f"{'-':>12}"
                    per_1k = 1000 * cpu / requests if requests else 0.0
                    print(
                        f"{mode:6} {label:17} {requests:9d} {failures:5d} {requests / wall:8.1f}"
                        f" {100 * cpu / wall:7.0f}% {per_cpu:10,.0f} {chunks} {per_1k:9.2f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
