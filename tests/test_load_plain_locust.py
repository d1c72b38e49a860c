"""The README's plain-Locust example, run as a new user would: a fresh directory, no reports/."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.load.files import KEY_ENV, REFERENCE_KEY
from routify_suite.paths import package_dir
from routify_suite.server import running_server
from routify_suite.target import TargetError, load_target

LOAD = package_dir("routify_suite.load")


def test_plain_locust_creates_its_report_directory_and_exits_0(tmp_path: Path) -> None:
    """With the README's relative -f paths, after `routify-suite init .` (no checkout)."""
    assert not (tmp_path / "reports").exists()
    with contextlib.chdir(tmp_path):
        assert main(["init", "."]) == 0
    files = "load/scenarios/stream.py,load/shapes/step.py"
    with running_server(ttft_ms=20, itl_ms=5) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                files,
                "--host",
                server.base_url,
                "--metrics-dir",
                "reports/load",
                # The README's example opens the web UI; headless here, so the run ends.
                "--headless",
                "--users",
                "4",
                "--run-time",
                "4s",
            ],
            cwd=tmp_path,
            env={**os.environ, KEY_ENV: REFERENCE_KEY},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FileNotFoundError" not in done.stderr
    report = tmp_path / "reports" / "load"
    summary = json.loads((report / "summary.json").read_text())
    assert summary["requests"] > 0
    assert summary["failures"] == 0
    run = summary["run"]
    assert (run["scenario"], run["shape"], run["target"]) == ("stream", "step", server.base_url)
    assert (report / "report.html").stat().st_size > 0
    assert (report / "itl_histogram.png").stat().st_size > 0


@pytest.mark.parametrize(("value", "said"), [(None, "is not set"), ("", "is empty")])
def test_an_unusable_key_variable_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, said: str
) -> None:
    target = tmp_path / "t.toml"
    target.write_text(
        'name = "t"\nbase_url = "http://127.0.0.1:1/v1"\n'
        '[keys]\nvalid = "env:ROUTIFY_TEST_KEY"\n[models]\ndefault = "m"\n'
    )
    monkeypatch.delenv("ROUTIFY_TEST_KEY", raising=False)
    if value is not None:
        monkeypatch.setenv("ROUTIFY_TEST_KEY", value)
    with pytest.raises(TargetError, match=f"ROUTIFY_TEST_KEY {said}"):
        load_target(target)
