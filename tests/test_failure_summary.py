"""A failing gate reads well in a CI log: one block per failing check id, 100 columns.

The example is the one a user met: a server whose ``usage.total_tokens`` is off by one fails
``response.usage-sum`` in every case that reads a completion (36 today), and pytest alone
printed 340 lines for it.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.conformance.failure_summary import summary_lines
from routify_suite.report.model import CaseResult, RunResult
from routify_suite.report.shell_wrap import wrap_shell
from routify_suite.server import RunningServer
from routify_suite.target import LOCAL_TARGET
from tests.mutation.catalogue import ALL
from tests.mutation.runner import run_suite
from tests.mutation.serving import running_proxy

WIDTH = 100


@pytest.fixture(scope="module")
def proxy_root(reference_server: RunningServer) -> Iterator[str]:
    with running_proxy(reference_server.base_url) as root:
        yield root


def test_one_wrong_total_is_one_block_under_45_lines(proxy_root: str, tmp_path: Path) -> None:
    run = run_suite(proxy_root, ALL["usage-sum-wrong"], tmp_path, every_case=True)
    failed = [case for case in run.cases if case["verdict"] == "fail"]
    assert run.exit_code == 1
    assert len(failed) >= 30, run.verdicts  # 36 when this was written
    lines = run.output.splitlines()
    assert len(lines) <= 45, run.output
    assert max(len(line) for line in lines) <= WIDTH, run.output
    headers = [line for line in lines if line.startswith("FAILED ")]
    assert headers == [f"FAILED response.usage-sum (MUST): {len(failed)} cases"], run.output
    assert "FAILURES" not in run.output
    assert "short test summary" not in run.output
    assert "expected: total_tokens = " in run.output
    assert f"(first 3 of {len(failed)})" in run.output
    assert failed[0]["id"] in run.output
    assert failed[0]["request_ids"][0] in run.output


def test_rA_restores_pytest_detail(proxy_root: str, tmp_path: Path) -> None:
    """-- -rA (or -v): pytest's per-case sections and short summary, the block as well."""
    deviation = ALL["usage-sum-wrong"]
    argv = ["conformance", "--target", str(LOCAL_TARGET), "--report-dir", str(tmp_path)]
    argv += ["--base-url", f"{proxy_root}/{deviation.name}/v1", "--", "-k", deviation.select]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        assert main([*argv, "-rA"]) == 1
    assert "FAILURES" in output.getvalue()
    assert "short test summary" in output.getvalue()
    assert "FAILED response.usage-sum (MUST)" in output.getvalue()


def _run_with(reproducer: str) -> RunResult:
    case = CaseResult(
        id="conformance/test_response.py::test_response[plain-response.usage-sum]",
        verdict="fail",
        failed_checks=["response.usage-sum"],
        findings=[
            {
                "check": "response.usage-sum",
                "level": "MUST",
                "rule": "usage: total = prompt + completion " * 6,
                "expected": "total_tokens = 18 + 24 = 42",
                "got": "total_tokens 43",
                "request_id": "req_1",
                "verdict": "fail",
            }
        ],
        reproducer=reproducer,
    )
    return RunResult(target={"name": "t"}, started_at=0, duration_s=1, exit_status=1, cases=[case])


def test_the_first_cases_reproducer_is_printed_wrapped_and_still_runs_as_one_command() -> None:
    body = '{"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "' + "x y " * 60
    body += "\"}], 'max_tokens': 5}"
    command = (
        "curl -sS -X POST http://127.0.0.1:8080/v1/chat/completions -H 'authorization: Bearer "
        "rtf_***' -H 'content-type: application/json' --data-raw "
        + shlex.quote(body)
        + ' -H "x-note: a \\"quoted\\" value with spaces and more words to go past the edge"'
    )
    lines = summary_lines(_run_with(command))
    start = lines.index("  reproduce (first case):") + 1
    printed = lines[start:-1]
    assert max(len(line) for line in lines) <= WIDTH, "\n".join(lines)
    assert len(printed) > 3
    parsed = subprocess.run(
        ["bash", "-c", 'printf "%s\\0" ' + "\n".join(printed)],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")[:-1]
    assert [word.decode() for word in parsed] == shlex.split(command)


def test_wrap_keeps_short_commands_as_they_are() -> None:
    assert wrap_shell("curl -sS http://x/v1") == ["curl -sS http://x/v1"]
    assert "reproduce" not in "\n".join(summary_lines(_run_with("")))


def test_a_case_that_could_not_run_is_a_suite_error_block_naming_the_exception() -> None:
    message = "conftest.py:40: in target\n    raise RuntimeError\nE   RuntimeError: boom"
    case = CaseResult(id="conformance/test_x.py::test_y", verdict="fail", message=message)
    run = RunResult(target={}, started_at=0, duration_s=1, exit_status=1, cases=[case])
    lines = summary_lines(run)
    assert lines[0] == "FAILED suite.error: 1 case"
    assert "  got: RuntimeError: boom" in lines
