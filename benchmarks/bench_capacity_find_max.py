"""Does ``routify-suite load --find-max`` find the capacity the server's model predicts?

The reference server runs with a capacity model (docs/capacity-model.md): ``--itl-ms`` ITL at
low load, ``--capacity-tokens-per-s T`` shared by every admitted stream, so with N streams each
token takes ``max(itl, N / T)`` seconds. An SLO of ``itl_ms.p95 <= L`` therefore holds up to
``floor(L * T)`` concurrent streams (L in seconds): the predicted capacity. The search runs
streams of a fixed length (``--output-tokens`` with ``--ignore-eos``) and must land within 15 %.

T and L are chosen for a shared 2-core machine: a few hundred tokens/s at most, so the load
generator is nowhere near its own limit, and the SLO sits well away from both neighbouring
levels (N / T = 400 ms at the predicted 8 streams, 450 ms at 9, SLO 440 ms), because machine
jitter only ever lengthens gaps.

    python benchmarks/bench_capacity_find_max.py [--tokens-per-s 20] [--slo-ms 440]
        [--start 4] [--run-time 12] [--warmup 2] [--report-dir reports/bench-find-max]

Prints predicted vs found and the steps; exit 1 when found is more than 15 % off.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from routify_suite.cli import main as routify
from routify_suite.load.files import REFERENCE_KEY
from routify_suite.load.payload import DEFAULT_MODEL
from routify_suite.load.processes import ReferenceServer

TOLERANCE = 0.15


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-per-s", type=float, default=20.0)
    parser.add_argument("--itl-ms", type=float, default=10.0)
    parser.add_argument("--slo-ms", type=float, default=440.0)
    parser.add_argument("--start", type=int, default=4, help="first user count of the search")
    parser.add_argument("--output-tokens", type=int, default=10)
    parser.add_argument("--run-time", type=int, default=12, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--report-dir", type=Path, default=Path("reports") / "bench-find-max")
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    predicted = math.floor(args.slo_ms / 1000 * args.tokens_per_s)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        slo = Path(scratch) / "slo.toml"
        slo.write_text(f'[slo]\n"itl_ms.p95" = {{ max = {args.slo_ms:g} }}\n')
        with ReferenceServer(
            args.report_dir / "server.log",
            itl_ms=args.itl_ms,
            capacity_tokens_per_s=args.tokens_per_s,
        ) as server:
            started = time.monotonic()
            code = routify(
                [
                    "load",
                    "--base-url",
                    server.base_url,
                    "--api-key",
                    REFERENCE_KEY,
                    "--model",
                    DEFAULT_MODEL,
                    "--scenario",
                    "stream",
                    "--find-max",
                    "--slo",
                    str(slo),
                    "--users",
                    str(args.start),
                    "--warmup",
                    f"{args.warmup:g}",
                    "--run-time",
                    f"{args.run_time}s",
                    "--output-tokens",
                    str(args.output_tokens),
                    "--ignore-eos",
                    "--report-dir",
                    str(args.report_dir),
                ]
            )
            elapsed = time.monotonic() - started
    summary = json.loads((args.report_dir / "summary.json").read_text())
    capacity = summary["capacity"]
    print()
    print(f"server: --itl-ms {args.itl_ms:g} --capacity-tokens-per-s {args.tokens_per_s:g}")
    print(f"SLO: itl_ms.p95 <= {args.slo_ms:g} ms; search exit code {code}, {elapsed:.0f} s")
    print(f"{'users':>6} {'itl p50':>9} {'itl p95':>9} {'theory':>8} {'tok/s':>8} {'cut':>4}  SLO")
    for step in capacity["steps"]:
        theory = max(args.itl_ms, step["value"] / args.tokens_per_s * 1000)
        print(
            f"{step['value']:>6g} {step['itl_ms']['p50']:>9.1f} {step['itl_ms']['p95']:>9.1f}"
            f" {theory:>8.1f} {step['output_tokens_per_s']:>8.1f}"
            f" {step.get('cut_by_window', '-'):>4}  {'met' if step['passed'] else 'missed'}"
        )
    found = capacity["value"]
    print(f"predicted capacity: {predicted} concurrent streams")
    print(f"found capacity:     {found} concurrent streams")
    print(summary["capacity_result"])
    if found is None:
        return 1
    error = abs(found - predicted) / predicted
    print(f"difference: {error:.1%} (tolerance {TOLERANCE:.0%})")
    return 0 if error <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
