"""The pytest11 plugin changes nothing in other projects' pytest runs.

It is loaded into every pytest session of the environment it is installed in, so its options
must not take names that other plugins use: pytest-base-url (pulled in by pytest-playwright and
pytest-selenium) owns ``--base-url``, pytest-profiling owns ``--profile``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from routify_suite.conformance.options import OPTIONS

UNRELATED_TEST = """
def test_uses_pytest_base_url(base_url):
    assert base_url == "http://127.0.0.1:1"
"""


def test_every_option_is_in_the_routify_namespace() -> None:
    for flag, dest, _default, _help in OPTIONS:
        assert flag.startswith("--routify-"), flag
        assert dest == flag.removeprefix("--").replace("-", "_"), (flag, dest)


def test_an_unrelated_session_with_pytest_base_url_passes(tmp_path: Path) -> None:
    (tmp_path / "test_unrelated.py").write_text(UNRELATED_TEST, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "--base-url", "http://127.0.0.1:1", "test_unrelated.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    # ...and the suite's plugin was loaded in that session, not merely absent.
    plugins = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "--routify-target" in plugins.stdout
    assert "--base-url" in plugins.stdout
