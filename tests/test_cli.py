"""The CLI skeleton: help works everywhere; unfinished sub-commands say so with exit 2."""

from __future__ import annotations

import pytest

from routify_suite.cli import main

SUBCOMMANDS = ("serve", "conformance", "load", "report")


def test_top_level_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    assert f"routify-suite {name}" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "routify-suite" in capsys.readouterr().out


def test_load_help_lists_the_issue_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--target",
        "--base-url",
        "--scenario",
        "--users",
        "--spawn-rate",
        "--run-time",
        "--shape",
        "--workers",
        "--slo",
        "--report-dir",
    ):
        assert option in out
