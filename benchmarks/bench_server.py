"""Speed of the reference server (issue 4): one ``routify-suite serve`` process, two figures.

1. Non-streaming throughput at 64 concurrent connections, measured with ``wrk`` (C, one
   thread, so most of the shared 2 cores is left to the server). Target: >= 2,000 requests/s.
2. 1,000 concurrent streams at ``--itl-ms 20``, measured with the lean asyncio client in
   ``stream_client.py``. Target: p99 gap between tokens < 30 ms.

Usage: ``python benchmarks/bench_server.py [--duration 10] [--streams 1000] [--skip-wrk]``.
Prints the figures and the server's CPU use per phase; exit code 1 when a target is missed.
``--profile DIR`` runs each server phase under cProfile and writes DIR/<phase>.pstats.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_client import run_streams

HOST = "127.0.0.1"
KEY = "rtf_local_valid"
BODY = {
    "model": "deepseek-v3.2",
    "messages": [
        {"role": "system", "content": "You are concise."},
        {"role": "user", "content": "Capital of France?"},
    ],
}
NON_STREAMING_TARGET_RPS = 2000
ITL_P99_TARGET_MS = 30.0
STARTUP_TIMEOUT_S = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@contextmanager
def serve(extra: Sequence[str], profile: Path | None) -> Iterator[tuple[int, int]]:
    """Start ``routify-suite serve --port 0``; yield (port, pid) once it announced its URL."""
    launcher = [sys.executable]
    if profile is not None:
        launcher += ["-m", "cProfile", "-o", str(profile)]
    command = [*launcher, "-c", "from routify_suite.cli import run; run()", "serve"]
    command += ["--host", HOST, "--port", "0", *extra]
    if profile is not None:  # cProfile needs a script path, not -c
        script = Path(tempfile.gettempdir()) / "routify_serve_entry.py"
        script.write_text("import sys\nfrom routify_suite.cli import run\nrun()\n")
        command = [*launcher, str(script), "serve", "--host", HOST, "--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(STARTUP_TIMEOUT_S):
                raise SystemExit("server did not announce itself in time")
        line = process.stdout.readline()
        match = re.match(r"Serving on http://[^:]+:(\d+)/v1", line)
        if not match:
            raise SystemExit(f"unexpected first line from serve: {line!r}")
        yield int(match.group(1)), process.pid
    finally:
        # SIGINT lets cProfile write its file; SIGTERM stops uvicorn just as gracefully, quietly.
        process.send_signal(signal.SIGINT if profile is not None else signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer {key}"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
distinct = {distinct}
counter = 0
if distinct then
  request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, string.format([[{template}]], counter))
  end
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH status_errors=%d\\n", summary.errors.status))
end
"""


def run_wrk(wrk: str, port: int, connections: int, duration: float, distinct: bool) -> str:
    """wrk's report for one run; with ``distinct`` every request body differs (no cache hit)."""
    template = orjson.dumps(
        {**BODY, "messages": [{"role": "user", "content": "Question %d?"}]}
    ).decode()
    script = WRK_SCRIPT.format(
        key=KEY,
        body=orjson.dumps(BODY).decode(),
        distinct="true" if distinct else "false",
        template=template,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        command = [wrk, "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s"]
        command += [handle.name, f"http://{HOST}:{port}/v1/chat/completions"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def bench_non_streaming(duration: float, connections: int, profile: Path | None) -> float | None:
    """Requests/s with the same body (the figure of the issue), then with distinct bodies."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("non-streaming: skipped, wrk not found (Debian: apt-get install -y wrk)")
        return None
    figures: list[float] = []
    with serve([], profile) as (port, pid):
        for distinct in (False, True):
            print(f"  load average before: {os.getloadavg()[0]:.2f}")
            cpu_before = cpu_seconds(pid)
            output = run_wrk(wrk, port, connections, duration, distinct)
            cpu = cpu_seconds(pid) - cpu_before
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
            latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
            errors = re.search(r"status_errors=(\d+)", output)
            non_2xx = int(errors.group(1)) if errors else -1
            socket_errors = re.search(r"Socket errors:.*", output)
            bodies = "every body distinct" if distinct else "one body repeated"
            print(
                f"non-streaming ({bodies}): {rps:,.0f} requests/s at {connections} connections "
                f"for {duration:g}s (wrk -t1), latency p50 {latency.get('50')} "
                f"p90 {latency.get('90')} p99 {latency.get('99')}, non-2xx {non_2xx}"
                + (f", {socket_errors.group(0)}" if socket_errors else "")
            )
            print(
                f"  server CPU: {cpu:.1f}s in {duration:g}s ({100 * cpu / duration:.0f}% of a core)"
            )
            figures.append(rps if non_2xx == 0 else 0.0)
    return min(figures)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_streams(
    duration: float, streams: int, itl_ms: float, profile: Path | None
) -> float | None:
    bodies = [
        orjson.dumps(
            {**BODY, "stream": True, "messages": [{"role": "user", "content": f"Question {i}?"}]}
        )
        for i in range(streams)
    ]
    with serve(["--itl-ms", f"{itl_ms:g}"], profile) as (port, pid):
        print(f"  load average before: {os.getloadavg()[0]:.2f}")
        cpu_before, client_before = cpu_seconds(pid), time.process_time()
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        stats, wall = runner(run_streams(HOST, port, bodies, KEY, streams, duration))
        cpu = cpu_seconds(pid) - cpu_before
        client_cpu = time.process_time() - client_before
    if not stats.gaps_s:
        print(f"streams: no token gaps measured; errors: {stats.errors[:3]}")
        return None
    gaps_ms = [gap * 1000 for gap in stats.gaps_s]
    ttft_ms = [t * 1000 for t in stats.ttft_s]
    p50, p90, p99, p999 = (percentile(gaps_ms, f) for f in (0.5, 0.9, 0.99, 0.999))
    print(
        f"streams: {streams} concurrent at --itl-ms {itl_ms:g} for {duration:g}s: "
        f"{stats.streams_completed} streams, {stats.tokens:,} tokens "
        f"({stats.tokens / wall:,.0f} tokens/s), errors {len(stats.errors)}"
    )
    print(
        f"  gap between tokens ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  "
        f"p99.9 {p999:.1f}  max {max(gaps_ms):.1f}"
    )
    print(f"  TTFT ms: p50 {percentile(ttft_ms, 0.5):.1f}  p99 {percentile(ttft_ms, 0.99):.1f}")
    print(
        f"  server CPU: {cpu:.1f}s over {wall:.1f}s ({100 * cpu / wall:.0f}% of one core); "
        f"client CPU {100 * client_cpu / wall:.0f}% of one core"
    )
    if stats.errors:
        print(f"  first errors: {stats.errors[:3]}")
    return p99


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--itl-ms", type=float, default=20.0)
    parser.add_argument("--skip-wrk", action="store_true", help="only the streaming phase")
    parser.add_argument("--skip-streams", action="store_true", help="only the wrk phase")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output directory")
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    missed = []
    if not args.skip_wrk:
        rps = bench_non_streaming(
            args.duration,
            args.connections,
            args.profile / "non_streaming.pstats" if args.profile else None,
        )
        if rps is not None and rps < NON_STREAMING_TARGET_RPS:
            missed.append(f"non-streaming {rps:,.0f} < {NON_STREAMING_TARGET_RPS} requests/s")
    if not args.skip_streams:
        time.sleep(1)  # let the first server's port and CPU settle before the next phase
        p99 = bench_streams(
            args.duration,
            args.streams,
            args.itl_ms,
            args.profile / "streams.pstats" if args.profile else None,
        )
        if p99 is None or p99 >= ITL_P99_TARGET_MS:
            missed.append(f"stream p99 gap {p99} ms >= {ITL_P99_TARGET_MS} ms")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
