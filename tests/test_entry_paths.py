"""One target, every documented way in: the same verdict for every case, the same artifacts.

The ways: a target file; ``--base-url`` with a literal ``--api-key``; ``--base-url`` with
``--api-key env:NAME``; plain ``pytest --pyargs routify_suite.conformance --routify-*``; the
wheel from an empty directory. A base URL without a file knows only the valid key, so those two
runs are compared with each other (and must conform); the file, plain-pytest and wheel runs with
each other. Each run starts in an empty directory and writes to the default report directory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.server import RunningServer
from routify_suite.target import LOCAL_TARGET
from tests.installed import wheel_environment

pytestmark = pytest.mark.wheel

KEY, MODEL = "rtf_local_valid", "deepseek-v3.2"
ARTIFACTS = ("junit.xml", "results.json", "report.html")


def _target_file(directory: Path, base_url: str) -> Path:
    text = LOCAL_TARGET.read_text(encoding="utf-8")
    lines = [
        f'base_url = "{base_url}"' if line.startswith("base_url") else line
        for line in text.splitlines()
    ]
    path = directory / "staging.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(directory: Path, *argv: str, env: dict[str, str] | None = None) -> int:
    output = io.StringIO()
    with (
        contextlib.chdir(directory),
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        code = main(["conformance", *argv])
    assert code in (0, 1), output.getvalue()[-3000:]
    return code


def _outcome(directory: Path) -> tuple[dict[str, str], set[str]]:
    """(case id -> verdict from results.json, junit test case names); the artifacts exist."""
    reports = directory / "reports" / "conformance"
    for name in ARTIFACTS:
        assert (reports / name).stat().st_size > 0, f"{directory}: no {name}"
    cases = json.loads((reports / "results.json").read_text())["cases"]
    junit = ET.parse(reports / "junit.xml").getroot()
    names = {f"{case.get('classname')}.{case.get('name')}" for case in junit.iter("testcase")}
    return {case["id"]: case["verdict"] for case in cases}, {n.split(".")[-1] for n in names}


def _differences(first: dict[str, str], second: dict[str, str]) -> list[str]:
    return [
        f"{case}: {first.get(case)} / {second.get(case)}"
        for case in sorted(set(first) | set(second))
        if first.get(case) != second.get(case)
    ][:20]


def test_every_way_in_gives_the_same_verdicts_and_artifacts(
    reference_server: RunningServer, wheel_venv: Path, tmp_path: Path
) -> None:
    url = reference_server.base_url
    ways = {name: tmp_path / name for name in ("file", "literal", "env", "pytest", "wheel")}
    for directory in ways.values():
        directory.mkdir()
    target = _target_file(tmp_path, url)

    _cli(ways["file"], "--target", str(target))
    bare = ["--base-url", url, "--model", MODEL, "--api-key"]
    _cli(ways["literal"], *bare, KEY)
    _cli(ways["env"], *bare, "env:VENDOR_KEY", env={"VENDOR_KEY": KEY})
    plain = [sys.executable, "-m", "pytest", "--pyargs", "routify_suite.conformance", "-q"]
    plain += ["-p", "no:cacheprovider", "--routify-target", str(target)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(plain, cwd=ways["pytest"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    wheel = [str(wheel_venv / "bin" / "routify-suite"), "conformance", "--target", str(target)]
    done = subprocess.run(
        wheel, cwd=ways["wheel"], env=wheel_environment(wheel_venv), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Warning" not in done.stdout + done.stderr  # e.g. pytest-asyncio's loop-scope one

    outcomes = {name: _outcome(directory) for name, directory in ways.items()}
    verdicts, names = outcomes["file"]
    assert len(verdicts) > 200
    assert set(verdicts.values()) <= {"pass", "non-strict", "not-exercised"}
    for name in ("pytest", "wheel"):
        assert outcomes[name][0] == verdicts, _differences(verdicts, outcomes[name][0])
        assert outcomes[name][1] == names, sorted(outcomes[name][1] ^ names)[:10]
    bare_verdicts, bare_names = outcomes["literal"]
    assert "fail" not in bare_verdicts.values(), _differences(bare_verdicts, {})
    assert outcomes["env"][0] == bare_verdicts, _differences(bare_verdicts, outcomes["env"][0])
    assert outcomes["env"][1] == bare_names
    assert set(bare_verdicts) == set(verdicts)  # the same cases, fewer of them exercised
