"""Generated requests (--fuzz): drawn the same for a seed, valid or broken as claimed, caught,
shrunk, replayed, and each failure handed back as a curl command that reproduces its status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from routify_suite import schemas
from routify_suite.cli import main
from routify_suite.conformance.breakages import BREAKAGES, breakages
from routify_suite.conformance.client import ConformanceClient, Timeouts
from routify_suite.conformance.fuzz import INVALID, VALID, drawn
from routify_suite.conformance.reproducer import curl_command
from routify_suite.server import RunningServer
from routify_suite.target import LOCAL_TARGET, load_target
from tests.mutation.catalogue import GENERATED
from tests.mutation.runner import SuiteRun, run_suite
from tests.mutation.serving import running_proxy

TARGET = load_target(LOCAL_TARGET)
STOP_MIXED = next(item for item in GENERATED if item.name == "stop-mixed-accepted")


def _bodies(kind: str, seed: int, count: int = 200) -> list[tuple[str, Any]]:
    return [draw.value for draw in drawn(TARGET, kind, seed, count)]


def test_a_seed_draws_the_same_requests_and_another_seed_others() -> None:
    first = _bodies(VALID, 11)
    assert [d.value for d in drawn(TARGET, VALID, 11, 200)] == first
    assert _bodies(VALID, 12) != first
    assert len({json.dumps(body, sort_keys=True) for _, body in first}) > 150


def test_valid_draws_fit_the_request_schema_and_cover_its_parameters() -> None:
    bodies = [body for _, body in _bodies(VALID, 3)]
    assert all(schemas.is_valid(schemas.REQUEST, body) for body in bodies)
    seen = Counter(name for body in bodies for name in body)
    for name in ("temperature", "top_p", "max_tokens", "stream", "stop", "tools", "routify"):
        assert seen[name] >= 5, (name, seen)
    assert any(body.get("stream_options", {}).get("include_usage") for body in bodies)
    assert any(isinstance(m.get("content"), list) for b in bodies for m in b["messages"])


def test_invalid_draws_take_every_breakage_and_break_the_schema() -> None:
    draws = _bodies(INVALID, 3)
    assert {name for name, _ in draws} == {b.name for b in breakages(TARGET)}
    # Only the rules a schema cannot say (tool_choice naming a tool) leave a body schema-valid.
    schema_valid = {name for name, body in draws if schemas.is_valid(schemas.REQUEST, body)}
    assert schema_valid <= {"tool-choice-unlisted", "tool-choice-without-tools"}
    assert {b.name for b in BREAKAGES if b.openai_only} >= {"top-p-above", "tools-empty"}


@pytest.fixture(scope="module")
def proxy_root(reference_server: RunningServer) -> Iterator[str]:
    with running_proxy(reference_server.base_url) as root:
        yield root


@pytest.fixture(scope="module")
def stop_mixed(proxy_root: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteRun, Path]:
    """--fuzz 200 --seed 1 (generated cases only) through a server answering 200 to a stop
    array mixing a number among strings: the run and its report directory."""
    report = tmp_path_factory.mktemp("fuzz")
    options = ["--fuzz", "200", "--seed", "1"]
    return run_suite(proxy_root, STOP_MIXED, report, options=options, select="fuzz"), report


def test_the_fixed_cases_pass_a_deviation_only_generated_requests_reach(
    proxy_root: str, tmp_path: Path
) -> None:
    run = run_suite(proxy_root, STOP_MIXED, tmp_path)
    assert run.cases
    assert run.exit_code == 0, run.failures()


def test_fuzz_catches_it_and_reports_the_shrunk_request(stop_mixed: tuple[SuiteRun, Path]) -> None:
    run = stop_mixed[0]
    assert run.exit_code == 1, run.output[-2000:]
    failed = [case for case in run.cases if case["verdict"] == "fail"]
    assert failed, run.failures()
    assert all("test_invalid" in case["id"] for case in failed), run.failures()
    assert run.failed_checks == {"params.rejected"}
    generated = failed[0]["generated"]
    assert generated["breaks"] == "stop-mixed"
    assert generated["shrink"]["check"] == "params.rejected"
    if "drawn" in generated:  # shrunk: never larger than what was drawn
        assert len(json.dumps(generated["body"])) <= len(json.dumps(generated["drawn"]))
    reproducer = failed[0]["reproducer"]
    assert reproducer.startswith("curl ")
    assert '"Authorization: Bearer $ROUTIFY_API_KEY"' in (reproducer)
    assert TARGET.keys["valid"] not in reproducer
    assert json.dumps(generated["body"]) in reproducer  # the exact body, as sent
    assert "--seed 1" in run.output
    assert "curl " in run.output


def test_replay_runs_exactly_the_failing_generated_cases(
    stop_mixed: tuple[SuiteRun, Path], proxy_root: str, tmp_path: Path
) -> None:
    run, report = stop_mixed
    failed = {case["id"] for case in run.cases if case["verdict"] == "fail"}
    results = report / "results.json"
    again = run_suite(
        proxy_root, STOP_MIXED, tmp_path / "replay", options=["--replay", str(results)], select=""
    )
    assert again.exit_code == 1
    assert {case["id"] for case in again.cases} == failed


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            {"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "It's 'quoted'"}]},
            200,
        ),
        ({"model": "deepseek-v3.2", "messages": [], "stop": ["a", 1]}, 400),
        (
            {
                "model": "deepseek-v3.2",
                "messages": [{"role": "user", "content": "$HOME"}],
                "stream": True,
            },
            200,
        ),
    ],
    ids=["ok-quotes", "invalid", "stream-dollar"],
)
def test_a_reproducer_gets_the_same_status_from_the_reference_server(
    reference_server: RunningServer, body: dict[str, Any], status: int
) -> None:
    target = load_target(LOCAL_TARGET).with_overrides(base_url=reference_server.base_url)
    with ConformanceClient(target, Timeouts(5, 10, 5, 30)) as client:
        exchange = client.post(body)
    assert exchange.status == status
    command = curl_command(exchange, target.url, target)
    assert target.keys["valid"] not in command
    environment = {**os.environ, "ROUTIFY_API_KEY": target.keys["valid"]}
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=environment, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1] == str(status), done.stdout[:300]


def test_fuzz_options_are_checked_and_the_target_file_has_twins(tmp_path: Path) -> None:
    assert main(["conformance", "--fuzz", "-1"]) == 2
    not_results = tmp_path / "results.json"
    not_results.write_text("{}", encoding="utf-8")
    assert main(["conformance", "--replay", str(not_results)]) == 2
    target = tmp_path / "t.toml"
    target.write_text(LOCAL_TARGET.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    text = target.read_text(encoding="utf-8").replace(
        'profile = "routify"', 'profile = "routify"\nfuzz = 2\nfuzz_seed = 5'
    )
    target.write_text(text, encoding="utf-8")
    assert load_target(target).fuzz == 2
    assert load_target(target).fuzz_seed == 5
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("fuzz = 2", "fuzz = -2"), encoding="utf-8")
    with pytest.raises(Exception, match="fuzz"):
        load_target(bad)


def test_the_draws_do_not_depend_on_the_modules_loaded() -> None:
    """A fresh process that loaded little draws what this one (with the whole suite loaded)
    does: the seed alone decides."""
    script = (
        "import json; from routify_suite.target import load_target, LOCAL_TARGET; "
        "from routify_suite.conformance.fuzz import drawn; "
        "print(json.dumps([d.value for d in drawn(load_target(LOCAL_TARGET), 'valid', 9, 60)]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    here = [list(d.value) for d in drawn(TARGET, VALID, 9, 60)]
    assert json.loads(done.stdout) == json.loads(json.dumps(here))


def test_a_fixed_case_failure_carries_its_reproducer(proxy_root: str, tmp_path: Path) -> None:
    from tests.mutation.catalogue import ALL

    run = run_suite(proxy_root, ALL["temperature-clamped"], tmp_path)
    failed = [case for case in run.cases if case["verdict"] == "fail"]
    assert failed, run.output[-2000:]
    for case in failed:
        assert case["reproducer"].startswith("curl "), case["id"]
        assert '"temperature": ' in case["reproducer"]
        assert '"Authorization: Bearer $ROUTIFY_API_KEY"' in case["reproducer"]
        assert TARGET.keys["valid"] not in case["reproducer"]
    assert all(not case["reproducer"] for case in run.cases if case["verdict"] == "pass")


def test_a_fuzz_run_leaves_nothing_but_its_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No .hypothesis directory (Hypothesis's example database or Unicode cache) in the
    directory the suite runs in: a CI workspace keeps only the reports."""
    monkeypatch.chdir(tmp_path)
    assert main(["conformance", "--fuzz", "3", "--seed", "4", "--", "-k", "fuzz"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["reports"]
