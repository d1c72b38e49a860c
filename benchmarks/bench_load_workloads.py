"""The workload figures of issue 13, against the reference server (no injected delays).

1. ``--input-tokens 500,100 --output-tokens 200,50 --ignore-eos``: achieved output mean (from
   ``usage``) within 10 % of 200, prompt mean counted by the named tokenizer within 5 % of 500,
   with the server's own ``prompt_tokens`` beside it.
2. ``--dataset`` on the shipped JSON Lines and ShareGPT samples, two turns a session.
3. An arrival-rate run the generator cannot keep up with (one user, 50 req/s scheduled against a
   server that takes 200 ms a request): ``missed`` > 0.

    python benchmarks/bench_load_workloads.py [--run-time 15] [--report-dir reports/bench-workloads]

Exit 1 when a figure misses its bound.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from routify_suite.cli import main as routify
from routify_suite.load.processes import ReferenceServer
from routify_suite.paths import FIXTURES_DIR


def run(arguments: list[str], directory: Path) -> dict[str, Any]:
    code = routify(["load", *arguments, "--report-dir", str(directory)])
    if code != 0:
        raise SystemExit(f"routify-suite load {' '.join(arguments)} exited {code}")
    return json.loads((directory / "summary.json").read_text())


def within(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance * target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-time", type=int, default=15)
    parser.add_argument("--report-dir", type=Path, default=Path("reports") / "bench-workloads")
    args = parser.parse_args()
    report, seconds, ok = args.report_dir, f"{args.run_time}s", True

    common = ["--scenario", "stream", "--users", "4", "--run-time", seconds]
    lengths = ["--input-tokens", "500,100", "--output-tokens", "200,50", "--ignore-eos"]
    summary = run([*common, *lengths], report / "lengths")
    inputs, outputs = summary["input_tokens"]["achieved"], summary["output_tokens"]["achieved"]
    good_in, good_out = within(inputs["mean"], 500, 0.05), within(outputs["mean"], 200, 0.10)
    ok &= good_in and good_out
    print(f"\n1. {' '.join(lengths)} ({summary['requests']} requests, {seconds})")
    print(
        f"   prompt mean {inputs['mean']:.1f} tokens by {summary['tokenizer']}"
        f" (p50 {inputs['p50']:.0f}, p90 {inputs['p90']:.0f}, max {inputs['max']:.0f})"
        f" -> {'within' if good_in else 'NOT within'} 5 % of 500"
    )
    server = summary["server_prompt_tokens"]
    print(
        f"   server usage.prompt_tokens mean {server['mean']:.1f}"
        f" (gap {summary['prompt_tokens_gap']['mean']:+.1f} tokens,"
        f" ratio {summary['prompt_tokens_gap']['ratio']:.3f})"
    )
    print(
        f"   output mean {outputs['mean']:.1f} tokens from {summary['output_tokens']['source']}"
        f" (p50 {outputs['p50']:.0f}, p90 {outputs['p90']:.0f}, max {outputs['max']:.0f})"
        f" -> {'within' if good_out else 'NOT within'} 10 % of 200"
    )

    print("\n2. --dataset, --turns 2, mixed scenario")
    for name in ("chat.jsonl", "sharegpt.json"):
        arguments = ["--scenario", "mixed", "--users", "4", "--run-time", seconds]
        arguments += ["--dataset", str(FIXTURES_DIR / "datasets" / name), "--turns", "2"]
        summary = run(arguments, report / name.split(".")[0])
        passed = summary["requests"] > 0 and summary["failures"] == 0
        ok &= passed
        print(
            f"   {name}: {summary['requests']} requests, {summary['failures']} failed,"
            f" by turn {summary['by_turn']},"
            f" prompt mean {summary['input_tokens']['achieved']['mean']:.1f} tokens"
        )

    with ReferenceServer(report / "server.log", ttft_ms=200) as slow:
        arguments = ["--base-url", slow.base_url, "--scenario", "chat", "--users", "1"]
        arguments += ["--shape", "constant-arrival-rate:50", "--run-time", seconds]
        summary = run(arguments, report / "overload")
    missed = summary["missed"]
    ok &= missed > 0
    print(
        f"\n3. arrival rate 50/s, 1 user, 200 ms a request: {summary['requests']} sent,"
        f" missed {missed} (scheduled about {50 * args.run_time})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
