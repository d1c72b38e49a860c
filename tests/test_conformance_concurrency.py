"""--concurrency changes how fast a run is, never what it says.

The whole suite runs at concurrency 1 (one exchange after another, in case order) and at the
default, against the reference server, the reference server with pacing, and the deviation proxy;
results.json must give every case the same verdict and the same failed checks both times.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.server import RunningServer, running_server
from routify_suite.target import DEFAULT_CONCURRENCY, LOCAL_TARGET
from tests.mutation.catalogue import ALL
from tests.mutation.runner import run_suite
from tests.mutation.serving import running_proxy

Verdicts = dict[str, tuple[str, tuple[str, ...]]]


def _verdicts(report_dir: Path) -> Verdicts:
    cases = json.loads((report_dir / "results.json").read_text())["cases"]
    return {case["id"]: (case["verdict"], tuple(case["failed_checks"])) for case in cases}


def _run(base_url: str, concurrency: int, report_dir: Path) -> tuple[int, Verdicts]:
    argv = ["conformance", "--target", str(LOCAL_TARGET), "--base-url", base_url]
    argv += ["--concurrency", str(concurrency), "--report-dir", str(report_dir)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, _verdicts(report_dir)


@pytest.fixture(scope="module")
def paced_server() -> Iterator[RunningServer]:
    with running_server(ttft_ms=15, itl_ms=2) as server:
        yield server


@pytest.mark.parametrize("server", ["reference", "paced"])
def test_same_verdicts_at_concurrency_1_and_default(
    server: str,
    reference_server: RunningServer,
    paced_server: RunningServer,
    tmp_path: Path,
) -> None:
    base_url = (reference_server if server == "reference" else paced_server).base_url
    in_order = _run(base_url, 1, tmp_path / "one")
    concurrent = _run(base_url, DEFAULT_CONCURRENCY, tmp_path / "default")
    assert in_order[0] == concurrent[0] == 0
    assert len(in_order[1]) >= 200
    assert concurrent[1] == in_order[1]


@pytest.fixture(scope="module")
def proxy_root(reference_server: RunningServer) -> Iterator[str]:
    with running_proxy(reference_server.base_url) as root:
        yield root


@pytest.mark.parametrize("name", ["stream-stalls", "error-unwrapped", "usage-sum-wrong"])
def test_same_verdicts_through_a_deviation(name: str, proxy_root: str, tmp_path: Path) -> None:
    deviation = ALL[name]
    runs = {
        n: run_suite(proxy_root, deviation, tmp_path / str(n), ["--concurrency", str(n)], True)
        for n in (1, DEFAULT_CONCURRENCY)
    }
    in_order, concurrent = runs[1], runs[DEFAULT_CONCURRENCY]
    assert in_order.exit_code == concurrent.exit_code == 1
    assert _verdicts(tmp_path / "1") == _verdicts(tmp_path / str(DEFAULT_CONCURRENCY))
    assert set(deviation.caught_by) & concurrent.failed_checks
    if name == "stream-stalls":
        # Every case that reads a stalled stream fails by the idle timeout, nothing else.
        assert concurrent.failed_checks == {"stream.idle-timeout"}
        # The run in order lasts well over 5 s (a second per stalled stream): its log has
        # progress lines, since its stdout is not a terminal.
        assert re.search(r"conformance: \d+/\d+ cases done, \d+ failed, \d+ s", in_order.output)
