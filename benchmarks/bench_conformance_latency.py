"""Wall time of a whole conformance run against slow and stalling servers (issue 14).

1. The reference server started with ``--ttft-ms 300 --itl-ms 30`` (answers of about 40 tokens),
   at ``--concurrency 1`` (one exchange after another) and at the default. Target: <= 10 s at
   the default, with the same verdicts as at 1.
2. The reference server behind the deviation proxy's ``stream-stalls`` deviation (every stream
   stops after two events), default 10 s idle timeout, at 1 and at the default. Target: <= 20 s
   at the default, and every failing case failed by ``stream.idle-timeout``.

Usage: ``python benchmarks/bench_conformance_latency.py [--skip-in-order]`` from a checkout (the
deviation proxy lives in tests/). ``--skip-in-order`` leaves out the slow runs at concurrency 1
(about 70 s and 3 minutes). Prints one line per run; exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routify_suite.cli import main  # noqa: E402
from routify_suite.load.processes import ReferenceServer  # noqa: E402
from routify_suite.server import running_server  # noqa: E402
from routify_suite.target import DEFAULT_CONCURRENCY, LOCAL_TARGET  # noqa: E402
from tests.mutation.serving import running_proxy  # noqa: E402

PACED_TARGET_S = 10.0
STALL_TARGET_S = 20.0


def run(base_url: str, concurrency: int, report_dir: Path) -> tuple[float, int, dict]:
    """Wall seconds, exit code and {case: (verdict, failed checks)} of one whole run."""
    argv = ["conformance", "--target", str(LOCAL_TARGET), "--base-url", base_url]
    argv += ["--concurrency", str(concurrency), "--report-dir", str(report_dir)]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    wall = time.perf_counter() - started
    cases = json.loads((report_dir / "results.json").read_text())["cases"]
    return wall, code, {c["id"]: (c["verdict"], tuple(c["failed_checks"])) for c in cases}


@contextlib.contextmanager
def stalling_server() -> Iterator[str]:
    with running_server() as server, running_proxy(server.base_url) as root:
        yield f"{root}/stream-stalls/v1"


def bench(name: str, base_url: str, levels: list[int], target_s: float, work: Path) -> bool:
    results = {}
    for level in levels:
        wall, code, verdicts = run(base_url, level, work / f"{name}-{level}")
        results[level] = verdicts
        failed = {c for verdict, checks in verdicts.values() if verdict == "fail" for c in checks}
        print(
            f"{name:<8} --concurrency {level:<2} {wall:6.1f} s  exit {code}  {len(verdicts)} cases"
            f"  failed checks: {', '.join(sorted(failed)) or '-'}",
            flush=True,
        )
        if level == DEFAULT_CONCURRENCY and wall > target_s:
            print(f"  target missed: {wall:.1f} s > {target_s:g} s")
            return False
    if len(results) == 2 and results[1] != results[DEFAULT_CONCURRENCY]:
        print("  verdicts differ between --concurrency 1 and the default")
        return False
    return True


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-in-order", action="store_true", help="no runs at concurrency 1")
    args = parser.parse_args()
    levels = [DEFAULT_CONCURRENCY] if args.skip_in_order else [1, DEFAULT_CONCURRENCY]
    ok = True
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        # `routify-suite serve --ttft-ms 300 --itl-ms 30` in its own process, as a user runs it.
        with ReferenceServer(work / "server.log", ttft_ms=300, itl_ms=30) as paced:
            ok &= bench("paced", paced.base_url, levels, PACED_TARGET_S, work)
        with stalling_server() as url:
            ok &= bench("stalling", url, levels, STALL_TARGET_S, work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main_())
