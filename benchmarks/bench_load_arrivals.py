"""Do open-model runs send what they promise? The arrival process read back from requests.jsonl.

The issue's acceptance runs: Poisson and gamma (burstiness 0.25) arrivals at 20 requests/s for
20 s, alone and under ``--workers 2``, against the embedded reference server. For each it prints
the mean gap between actual send times (target 50 ms, within 15 %), their coefficient of
variation (Poisson 0.8-1.2, gamma above 1.5), the achieved rate against the target, what went
missed, the schedule lag p99 and the generator's loop lag.

    python benchmarks/bench_load_arrivals.py [--rate 20] [--run-time 20] [--seed 7]
        [--report-dir reports/bench-arrivals]

Exit 1 when a run misses its bounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from routify_suite.cli import main as routify
from routify_suite.load.records import RECORD_FILE, read_records, send_gaps

RUNS = (
    ("poisson", 1.0, 0, (0.8, 1.2)),
    ("gamma", 0.25, 0, (1.5, None)),
    ("poisson", 1.0, 2, (0.8, 1.2)),
    ("gamma", 0.25, 2, (1.5, None)),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--run-time", type=int, default=20)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--report-dir", type=Path, default=Path("reports") / "bench-arrivals")
    args = parser.parse_args()
    print(
        f"{'arrival':8} {'workers':>7} {'sent':>5} {'gap ms':>7} {'CV':>5} {'achieved':>9}"
        f" {'missed':>6} {'lag p99':>8} {'loop p99':>8}  verdict"
    )
    failed = 0
    for process, burstiness, workers, (cv_min, cv_max) in RUNS:
        report = args.report_dir / f"{process}-w{workers}"
        code = routify(
            [
                "load",
                "--scenario",
                "stream",
                "--users",
                str(args.users),
                "--rate",
                f"{args.rate:g}",
                "--arrival",
                process,
                "--burstiness",
                f"{burstiness:g}",
                "--workers",
                str(workers),
                "--seed",
                str(args.seed),
                "--run-time",
                f"{args.run_time}s",
                "--report-dir",
                str(report),
            ]
        )
        summary = json.loads((report / "summary.json").read_text())
        records = read_records(report / RECORD_FILE)
        mean, cv = send_gaps(records)
        target = 1 / args.rate
        good = (
            code == 0
            and abs(mean - target) <= 0.15 * target
            and cv >= cv_min
            and (cv_max is None or cv <= cv_max)
        )
        failed += not good
        arrivals = summary["arrivals"]
        loop_p99 = summary["generator"]["loop_lag_ms"]["p99"]
        print(
            f"{process:8} {workers:>7} {len(records):>5} {mean * 1000:>7.1f} {cv:>5.2f}"
            f" {arrivals['achieved_rps']:>5.1f}/{args.rate:g} {arrivals['missed']:>6}"
            f" {summary['schedule_lag_ms']['p99']:>8} {loop_p99:>8}"
            f"  {'ok' if good else 'OUT OF BOUNDS'}",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
