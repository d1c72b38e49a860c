"""Which generated-input deviations ``--fuzz`` catches, per seed, and that the fixed cases miss.

For each deviation of tests/mutation/deviations_generated.py, behind the deviation proxy in
front of the reference server: the whole fixed suite once (it must pass: exit 0), then only the
generated cases (``-k fuzz``) of ``--fuzz N --seed S`` for each seed (caught: exit 1 with one of
the deviation's checks failed). Prints the deviation × seed table, the shrunk body of the first
catch, and the wall time of each run.

    python benchmarks/bench_fuzz_deviations.py [--fuzz 200] [--seeds 1,2,3,4,5]
    python benchmarks/bench_fuzz_deviations.py --variations [--seeds 1,2,3]

``--variations`` runs the generated cases through every legal variation instead (each must
pass, exit 0) and prints variation × seed exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routify_suite.server import running_server
from tests.mutation.catalogue import GENERATED, TOLERATED, VARIATIONS
from tests.mutation.runner import run_suite
from tests.mutation.serving import running_proxy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=200)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--variations", action="store_true")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    if args.variations:
        return variations(args.fuzz, seeds)
    rows = []
    with (
        running_server() as server,
        running_proxy(server.base_url) as root,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for deviation in GENERATED:
            started = time.perf_counter()
            fixed = run_suite(root, deviation, Path(tmp) / deviation.name, every_case=True)
            fixed_s = time.perf_counter() - started
            caught, example, times = [], "", []
            for seed in seeds:
                started = time.perf_counter()
                run = run_suite(
                    root,
                    deviation,
                    Path(tmp) / f"{deviation.name}-{seed}",
                    options=["--fuzz", str(args.fuzz), "--seed", str(seed)],
                    select="fuzz",
                )
                times.append(time.perf_counter() - started)
                hit = run.exit_code == 1 and bool(run.failed_checks & set(deviation.caught_by))
                caught.append(hit)
                failed = [case for case in run.cases if case["verdict"] == "fail"]
                if hit and not example and failed:
                    generated = failed[0].get("generated", {})
                    example = json.dumps(generated.get("body"))[:300]
                    example += f"  (shrink: {generated.get('shrink')})"
            rows.append((deviation.name, fixed.exit_code, fixed.verdicts, caught, times, example))
            print(f"{deviation.name}: the fixed cases took {fixed_s:.1f} s", flush=True)
    print(f"--fuzz {args.fuzz}, seeds {seeds}")
    print(f"{'deviation':28} {'fixed cases':22} " + " ".join(f"s{s:<3}" for s in seeds) + " caught")
    for name, exit_code, verdicts, caught, _, _ in rows:
        fixed = f"exit {exit_code} ({verdicts.get('fail', 0)} fail)"
        marks = " ".join(f"{'yes' if hit else 'NO':4}" for hit in caught)
        print(f"{name:28} {fixed:22} {marks} {sum(caught)}/{len(caught)}")
    for name, _, _, _, times, example in rows:
        print(f"{name}: fuzz runs {', '.join(f'{t:.1f}' for t in times)} s; shrunk: {example}")
    return (
        0
        if all(exit_code == 0 and sum(c) * 5 >= 4 * len(c) for _, exit_code, _, c, _, _ in rows)
        else 1
    )


def variations(count: int, seeds: list[int]) -> int:
    """Every legal variation (and the lenient OpenAI-style server) under --fuzz: exit codes."""
    passed = True
    print(f"--fuzz {count}, generated cases only; exit code per seed {seeds}", flush=True)
    with (
        running_server() as server,
        running_proxy(server.base_url) as root,
        tempfile.TemporaryDirectory() as tmp,
    ):
        lenient = [item for item in TOLERATED if item.name == "openai-lenient-server"]
        for item in (*VARIATIONS, *lenient):
            codes, failed = [], set()
            for seed in seeds:
                run = run_suite(
                    root,
                    item,
                    Path(tmp) / f"{item.name}-{seed}",
                    options=["--fuzz", str(count), "--seed", str(seed)],
                    select="fuzz",
                )
                codes.append(run.exit_code)
                failed |= run.failed_checks
            passed = passed and not any(codes)
            print(f"{item.name:28} {codes} {sorted(failed) or ''}", flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
