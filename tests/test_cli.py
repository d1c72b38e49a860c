"""The CLI: help and version work everywhere, usage errors are one line with exit 2."""

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
        "--server-ttft-ms",
        "--server-itl-ms",
    ):
        assert option in out


def test_conformance_help_lists_the_issue_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--target", "--base-url", "--api-key", "--profile", "--report-dir"):
        assert option in out


def test_conformance_bad_target_is_one_line_naming_the_field(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "staging.toml"
    target.write_text(
        'name = "s"\nbase_url = "http://127.0.0.1:9/v1"\n[keys]\n[models]\ndefault = "m"\n'
    )
    assert main(["conformance", "--target", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "keys.valid: required field is missing" in err


def test_conformance_unreachable_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://127.0.0.1:9/v1"
    arguments = ["--base-url", url, "--api-key", "rtf_secret_x", "--model", "m"]
    assert main(["conformance", *arguments]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "cannot reach http://127.0.0.1:9/v1" in err
    assert "rtf_secret_x" not in err


def test_report_of_a_missing_run_is_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "cannot read" in err


def test_load_without_the_load_extra_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CI gate installs the suite without the load extra: `load` says what to install."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "locust" else real(name, *a)
    )
    assert main(["load", "--run-time", "1s"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "locust not installed" in line
    assert "routify-suite[load]" in line
