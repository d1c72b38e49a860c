"""Plain ``pytest --pyargs routify_suite.conformance`` as a user runs it, from an empty directory:
a rejected key is one line (pytest's usage error), with no Exit traceback and no snapshot hint;
a CI log (stdout not a terminal) shows progress lines, not file names stuck at [  0%]."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from routify_suite.server import RunningServer
from routify_suite.target import LOCAL_TARGET

# pytest-asyncio is in the test extra only (its loop-scope warning is a wheel user's no more).
SUITE = [
    sys.executable,
    "-m",
    "pytest",
    "-p",
    "no:asyncio",
    "--pyargs",
    "routify_suite.conformance",
]


def _run(directory: Path, base_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    text = LOCAL_TARGET.read_text(encoding="utf-8")
    target = directory / "staging.toml"
    target.write_text(re.sub(r'(?m)^base_url = ".*"$', f'base_url = "{base_url}"', text))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    argv = [*SUITE, "-p", "no:cacheprovider", "--routify-target", str(target), *options]
    return subprocess.run(argv, cwd=directory, env=env, capture_output=True, text=True)


def test_a_rejected_key_is_one_usage_error_line(
    reference_server: RunningServer, tmp_path: Path
) -> None:
    done = _run(tmp_path, reference_server.base_url, "--routify-api-key", "rtf_not_a_key")
    output = done.stdout + done.stderr
    assert done.returncode == 4, output  # pytest's usage error
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("ERROR: the key is rejected (401 invalid_api_key"), output
    assert "rtf_not_a_key" not in output
    assert "Exit" not in output
    assert "--snapshot-update" not in output


def test_ci_log_shows_no_file_at_zero_percent(
    reference_server: RunningServer, tmp_path: Path
) -> None:
    done = _run(tmp_path, reference_server.base_url, "-k", "plain")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "[  0%]" not in done.stdout, done.stdout
    assert not re.search(r"^test_\w+\.py", done.stdout, re.MULTILINE), done.stdout
    assert (tmp_path / "reports" / "conformance" / "junit.xml").stat().st_size > 0
