"""Every shell block of README.md and docs/*.md runs as written, from the wheel in an empty
directory, against the reference server, and ends with the exit status the text promises.

Blocks are read with pytest-codeblocks' extractor (``sh``/``bash``/``shell`` fences; an HTML
comment right before a fence carries pytest marks for it), so a new block is picked up without
touching this file. The conventions, also stated in the README's "Examples in this README":

- ``<!--pytest.mark.skip(reason="...")-->`` before a fence: the block cannot run here, and why;
- ``<!--pytest.mark.exit_status(1)-->`` before a fence: the block promises that exit status
  (default 0);
- the blocks of one document run in order in one directory, as a reader would follow them;
- only the documented placeholders are substituted (``PLACEHOLDERS``).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_codeblocks.main import extract_from_file

from routify_suite.server import RunningServer
from routify_suite.target import LOCAL_TARGET
from tests.installed import REPOSITORY, wheel_environment

pytestmark = pytest.mark.wheel

SHELLS = {"sh", "bash", "shell", "console"}
DOCUMENTS = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
KEY, MODEL = "rtf_local_valid", "deepseek-v3.2"
BLOCK_TIMEOUT_S = 300
EXAMPLE_URL = r"(?:https?://(?:127\.0\.0\.1:\d+|[\w.-]+\.example)(?:/v1)?)"
"""The example base URLs: a loopback port or a host under .example (RFC 2606)."""


def placeholders(base_url: str) -> list[tuple[str, str]]:
    """(pattern, replacement): the README's documented placeholders for this run's values.
    The target files staging.toml and vendor.toml are written into the directory instead."""
    return [
        (EXAMPLE_URL, base_url),
        (r"\brtf_\.\.\.", KEY),
        (r"--model m\b", f"--model {MODEL}"),
    ]


def _blocks() -> Iterator[Any]:
    for document in DOCUMENTS:
        for block in extract_from_file(document):
            if (block.syntax or "").split()[0:1] and block.syntax.split()[0] in SHELLS:
                name = f"{document.relative_to(REPOSITORY)}:{block.lineno}"
                marks = [eval(mark, {"pytest": pytest}) for mark in block.marks]
                yield pytest.param(document.name, block.code, id=name, marks=marks)


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One empty directory per document, shared by its blocks in order."""
    return {}


def _workspace(workspaces: dict[str, Path], document: str, base_url: str, root: Path) -> Path:
    if document not in workspaces:
        directory = root / document.replace(".", "-")
        directory.mkdir()
        text = LOCAL_TARGET.read_text(encoding="utf-8")
        local = re.sub(r'(?m)^base_url = ".*"$', f'base_url = "{base_url}"', text)
        for name in ("staging.toml", "vendor.toml"):  # the placeholders' target files
            (directory / name).write_text(local, encoding="utf-8")
        workspaces[document] = directory
    return workspaces[document]


@pytest.mark.parametrize(("document", "code"), list(_blocks()))
def test_documented_block_runs_as_written(
    document: str,
    code: str,
    request: pytest.FixtureRequest,
    reference_server: RunningServer,
    wheel_venv: Path,
    workspaces: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = reference_server.base_url
    root = tmp_path_factory.getbasetemp()
    directory = _workspace(workspaces, document, url, root)
    script = code
    for pattern, replacement in placeholders(url):
        script = re.sub(pattern, replacement, script)
    marker = request.node.get_closest_marker("exit_status")
    expected = marker.args[0] if marker else 0
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=directory,
        env=wheel_environment(wheel_venv, VENDOR_KEY=KEY, ROUTIFY_API_KEY=KEY),
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    said = f"$ {script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == expected, said
    assert KEY not in done.stdout + done.stderr, "a key in the output"
