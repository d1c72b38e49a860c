"""`routify-suite init DIR`: the shipped examples at the README's paths, never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.paths import FIXTURES_DIR


def test_writes_the_readme_paths_as_editable_copies(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "here")]) == 0
    here = tmp_path / "here"
    for name in (
        "fixtures/slo/streaming.toml",
        "fixtures/datasets/chat.jsonl",
        "fixtures/targets/openai-compatible.example.toml",
        "load/scenarios/stream.py",
        "load/shapes/step.py",
    ):
        assert (here / name).is_file(), name
    shipped = (FIXTURES_DIR / "slo" / "streaming.toml").read_bytes()
    assert (here / "fixtures/slo/streaming.toml").read_bytes() == shipped
    assert not list(here.rglob("__init__.py"))


def test_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "fixtures" / "slo" / "streaming.toml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own SLO\n")
    assert main(["init", str(tmp_path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"routify-suite init: {mine} exists; nothing written"
    assert mine.read_text() == "# my own SLO\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["streaming.toml"]
