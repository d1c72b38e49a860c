"""The suite end to end, as CI runs it: `routify-suite conformance` in a subprocess.

Against the embedded reference server a selection passes with exit 0; against a fake server
that breaks one rule the run exits 1 and results.json names the check per case, with the
verdicts non-strict (429 without Retry-After) and not-exercised (no trigger) mapped as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.conformance_helpers import RECORDED_AT, TRANSCRIPTS, serving_chat

CLI = [sys.executable, "-c", "from routify_suite.cli import run; run()", "conformance"]
RATE_LIMITED_KEY = "rtf_fake_ratelimited_secret"


def _run(args: list[str], report_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--report-dir", str(report_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _results(report_dir: Path) -> dict[str, dict]:
    document = json.loads((report_dir / "results.json").read_text())
    return {case["id"].split("::")[-1]: case for case in document["cases"]}


def test_reference_server_selection_passes(tmp_path: Path) -> None:
    result = _run(["--api-key", "rtf_local_valid", "--", "-k", "plain"], tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    cases = _results(tmp_path)
    assert len(cases) >= 20
    assert {case["verdict"] for case in cases.values()} == {"pass"}
    assert all(case["request_id"] for case in cases.values())
    for name in ("junit.xml", "results.json", "report.html"):
        text = (tmp_path / name).read_text()
        assert "rtf_local_valid" not in text
    assert "rtf_local_valid" not in result.stdout + result.stderr


async def _fake_chat(request: Request) -> Response:
    if RATE_LIMITED_KEY in request.headers.get("authorization", ""):
        error = {"message": "slow down", "type": "rate_limit_error", "param": None, "code": None}
        return JSONResponse({"error": error}, status_code=429)
    data = (TRANSCRIPTS / "broken--stream.done-last--repeated-done.sse").read_bytes()
    data = data.replace(str(RECORDED_AT).encode(), str(int(time.time())).encode())
    return Response(data, media_type="text/event-stream")


@pytest.fixture(scope="module")
def fake_base_url() -> Iterator[str]:
    with serving_chat(_fake_chat) as base_url:
        yield base_url


def _fake_target(path: Path, base_url: str, strict: bool = False) -> Path:
    path.write_text(
        f'name = "fake"\nbase_url = "{base_url}"\n'
        + ("strict = true\n" if strict else "")
        + '[keys]\nvalid = "rtf_fake_valid"\n[models]\ndefault = "m"\n'
        f'[triggers]\nrate_limit = {{ key = "{RATE_LIMITED_KEY}", requests = 3 }}\n'
    )
    return path


def test_deviation_fails_with_its_check_id(tmp_path: Path, fake_base_url: str) -> None:
    target = _fake_target(tmp_path / "fake.toml", fake_base_url)
    selection = (
        "plain-stream.done-last or plain-stream.done-present or test_rate_limit"
        " or 500-internal-error-json"
    )
    result = _run(["--target", str(target), "--", "-k", selection], tmp_path / "out")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    cases = _results(tmp_path / "out")
    done_last = cases["test_stream[plain-stream.done-last]"]
    assert done_last["verdict"] == "fail"
    assert done_last["failed_checks"] == ["stream.done-last"]
    assert "Spec, Streaming" in done_last["rule"]
    assert done_last["request_id"]
    assert "[stream.done-last] MUST check failed" in done_last["message"]
    assert [f["level"] for f in done_last["findings"]] == ["MUST"]
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert document["target"]["strict"] is False
    assert document["checks"]["stream.done-last"]["level"] == "MUST"
    assert document["checks"]["error.retry-after"]["level"] == "SHOULD"
    assert cases["test_stream[plain-stream.done-present]"]["verdict"] == "pass"
    rate_limit = cases["test_rate_limit"]
    assert rate_limit["verdict"] == "non-strict"
    assert rate_limit["failed_checks"] == ["error.retry-after"]
    assert cases["test_error_condition[500-internal-error-json]"]["verdict"] == "not-exercised"
    everything = result.stdout + result.stderr + (tmp_path / "out" / "results.json").read_text()
    assert RATE_LIMITED_KEY not in everything
    assert "rtf_fake_valid" not in everything


def test_strict_target_fails_what_is_otherwise_non_strict(
    tmp_path: Path, fake_base_url: str
) -> None:
    target = _fake_target(tmp_path / "fake.toml", fake_base_url, strict=True)
    result = _run(["--target", str(target), "--", "-k", "test_rate_limit"], tmp_path / "out")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert document["target"]["strict"] is True
    [case] = document["cases"]
    assert case["verdict"] == "fail"
    [finding] = case["findings"]
    assert (finding["check"], finding["level"], finding["verdict"]) == (
        "error.retry-after",
        "SHOULD",
        "fail",
    )
    assert "(--strict)" in case["message"]


def test_plugin_is_inert_outside_the_suite(tmp_path: Path) -> None:
    """pytest loads the plugin everywhere; a run without conformance cases needs no target."""
    (tmp_path / "test_other.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conformance of" not in result.stdout
    assert not list(tmp_path.rglob("results.json"))
