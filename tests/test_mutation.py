"""Mutation self-test: the suite fails every deviation, by the right check, and passes every
legal variation. Each case runs the conformance suite through the deviation proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.server import RunningServer
from tests.mutation.catalogue import ALL, DEVIATIONS, TOLERATED, VARIATIONS
from tests.mutation.deviation import Deviation
from tests.mutation.matrix import MatrixRow, merge_rows
from tests.mutation.runner import SuiteRun, run_suite
from tests.mutation.serving import running_proxy

pytestmark = pytest.mark.mutation


@pytest.fixture(scope="module")
def proxy_root(reference_server: RunningServer) -> Iterator[str]:
    with running_proxy(reference_server.base_url) as root:
        yield root


@pytest.fixture(scope="module")
def matrix() -> Iterator[list[MatrixRow]]:
    """Rows recorded by this module's runs, merged into reports/mutation/ at the end."""
    rows: list[MatrixRow] = []
    yield rows
    if rows:
        merge_rows(rows)


def _run(item: Deviation, proxy_root: str, tmp_path: Path, matrix: list[MatrixRow]) -> SuiteRun:
    run = run_suite(proxy_root, item, tmp_path)
    assert run.cases, f"the suite ran no case for {item.name}:\n{run.output[-2000:]}"
    flagged = run.non_strict_checks if item.kind == "tolerated" else run.failed_checks
    matrix.append(MatrixRow.of(item, flagged, run.verdicts))
    return run


def test_catalogue_is_large_and_named_once() -> None:
    names = [item.name for item in (*DEVIATIONS, *VARIATIONS)]
    assert len(DEVIATIONS) >= 40
    assert len(VARIATIONS) >= 10
    assert len(names) == len(set(names))
    assert all(item.caught_by for item in DEVIATIONS)


def test_readme_lists_every_deviation_and_variation() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What it catches", 1)[-1]
    listed = (*DEVIATIONS, *VARIATIONS, *TOLERATED)
    missing = [item.name for item in listed if f"`{item.name}`" not in section]
    assert not missing, f"README 'What it catches' lacks {missing}: copy reports/mutation/matrix.md"


def test_a_proxy_that_cannot_reach_the_server_fails_as_the_harness(tmp_path: Path) -> None:
    """Never a verdict on a deviation: the run fails saying the proxy lost the server."""
    lost = pytest.raises(AssertionError, match="deviation proxy could not reach the server")
    with running_proxy("http://127.0.0.1:9/v1") as root, lost:  # port 9: nothing listens
        run_suite(root, VARIATIONS[0], tmp_path)


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=lambda item: item.name)
def test_deviation_is_caught(
    deviation: Deviation, proxy_root: str, tmp_path: Path, matrix: list[MatrixRow]
) -> None:
    run = _run(deviation, proxy_root, tmp_path, matrix)
    assert run.exit_code == 1, f"{deviation.name} went unnoticed: {run.verdicts}"
    assert run.failed_checks & set(deviation.caught_by), (
        f"{deviation.name}: expected a failure of {deviation.caught_by}, "
        f"got {sorted(run.failed_checks)}\n{run.failures()}"
    )


@pytest.mark.parametrize("variation", VARIATIONS, ids=lambda item: item.name)
def test_variation_passes(
    variation: Deviation, proxy_root: str, tmp_path: Path, matrix: list[MatrixRow]
) -> None:
    run = _run(variation, proxy_root, tmp_path, matrix)
    assert run.exit_code == 0, f"{variation.name} is legal but failed:\n{run.failures()}"
    assert run.verdicts.get("fail", 0) == 0
    if variation.closes_connections:  # passing because the suite reconnected, and said so
        assert run.reconnects > 0
        assert "clients must reconnect" in run.output


@pytest.mark.parametrize("tolerated", TOLERATED, ids=lambda item: item.name)
def test_tolerated_departure_is_non_strict(
    tolerated: Deviation, proxy_root: str, tmp_path: Path, matrix: list[MatrixRow]
) -> None:
    run = _run(tolerated, proxy_root, tmp_path / "default", matrix)
    assert run.exit_code == 0, run.failures()
    flagged = [case for case in run.cases if case["verdict"] == "non-strict"]
    assert flagged, f"{tolerated.name} should be reported non-strict: {run.verdicts}"
    assert all(
        set(tolerated.caught_by) & {finding["check"] for finding in case["findings"]}
        for case in flagged
    )
    replayed = [
        finding
        for case in flagged
        for finding in case["findings"]
        if finding["check"] in {"error.envelope", "stream.chunk-schema", "stream.consistent"}
    ]
    # A body sent raw or without model/messages is not replayed (its evidence stays empty).
    evidence = {finding["evidence"] for finding in replayed}
    assert not replayed or evidence & {"official client unaffected"}
    assert evidence <= {"official client unaffected", ""}
    strict = run_suite(proxy_root, tolerated, tmp_path / "strict", strict=True)
    assert strict.exit_code == 1, f"--strict let {tolerated.name} pass: {strict.verdicts}"
    assert strict.failed_checks & set(tolerated.caught_by), strict.failures()


def test_a_server_cutting_streams_on_arrival_changes_only_the_concurrency_verdict(
    proxy_root: str, tmp_path: Path
) -> None:
    """At the default concurrency every stream case is judged as at --concurrency 1: the cut
    exchanges were sent again alone, and the cuts are one finding of the concurrency case."""
    item = ALL["cuts-on-arrival"]
    crowded = run_suite(proxy_root, item, tmp_path / "crowded")
    alone = run_suite(proxy_root, item, tmp_path / "alone", options=["--concurrency", "1"])

    def verdicts(run: SuiteRun) -> dict[str, str]:
        return {c["id"]: c["verdict"] for c in run.cases if "concurrency" not in c["markers"]}

    assert verdicts(crowded) == verdicts(alone)
    assert len(verdicts(alone)) > 10
    results = json.loads((tmp_path / "crowded" / "results.json").read_text(encoding="utf-8"))
    assert results["resent_alone"] > 0
    [case] = [c for c in crowded.cases if "requests_in_flight" in c["id"]]
    [finding] = case["findings"]
    assert finding["check"] == "concurrency.cut-by-other-requests"
    assert finding["verdict"] == "fail"
    assert "other requests were in flight; answered in full alone" in finding["evidence"]
    assert f"{results['resent_alone']} exchanges" in finding["evidence"]
    [quiet] = [c for c in alone.cases if "requests_in_flight" in c["id"]]
    assert quiet["verdict"] == "pass"
