"""The SLO gate: the file format, one-line errors, evaluation and the exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.load.recorder import MetricsRecorder
from routify_suite.load.slo import (
    EXIT_BREACHED,
    EXIT_MET,
    Bound,
    SLOError,
    apply_gate,
    evaluate,
    load_slo,
    resolve,
)
from routify_suite.load.summary import RunInfo, build_summary
from routify_suite.paths import FIXTURES_DIR

TEMPLATE = build_summary(MetricsRecorder(), RunInfo(0.0, 0.0))


def summary(**changes: object) -> dict[str, object]:
    document = build_summary(MetricsRecorder(), RunInfo(0.0, 1.0))
    document.update(
        requests=100,
        failures=2,
        error_rate=0.02,
        output_tokens_per_s=40.0,
        ttft_ms={"p50": 150.0, "p90": 300.0, "p95": 420.0, "p99": 900.0, "max": 1200.0},
        by_status={"200": 98, "429": 2},
        by_channel={"deepseek-official": {"requests": 100, "cost_usd": 0.001}},
    )
    document.update(changes)
    return document


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "slo.toml"
    path.write_text(text)
    return path


def test_issue_example_parses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[slo]\n"ttft_ms.p95" = { max = 800 }\n"error_rate" = { max = 0.01 }\n'
        '"output_tokens_per_s" = { min = 50 }\n',
    )
    assert load_slo(path, TEMPLATE) == [
        Bound("ttft_ms.p95", max=800),
        Bound("error_rate", max=0.01),
        Bound("output_tokens_per_s", min=50),
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES_DIR / "slo").glob("*.toml")))
def test_shipped_slo_files_are_valid(name: str) -> None:
    assert load_slo(FIXTURES_DIR / "slo" / name, TEMPLATE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "slo: required field is missing"),
        ("slo = 3", "slo: must be a [slo] table with at least one"),
        ("[slo]\n", "slo: must be a [slo] table with at least one"),
        ('[slo]\n"ttft_ms.p95" = 800\n', "slo['ttft_ms.p95']: must be a table"),
        (
            '[slo]\n"ttft_ms.p95" = { below = 800 }\n',
            "below: unknown field (allowed here: min, max)",
        ),
        (
            '[slo]\n"ttft_ms.p95" = { max = "800" }\n',
            "slo['ttft_ms.p95'].max: '800' is not of type",
        ),
        ('[slo]\n"ttft_ms.p95" = { max = true }\n', "slo['ttft_ms.p95'].max: True is not of type"),
        ('[slo]\n"ttft_ms.p95" = { min = 9, max = 1 }\n', "is above max"),
        ('[slo]\n"ttft_ms.p96" = { max = 1 }\n', "unknown path (keys under ttft_ms: count"),
        ('[slo]\n"latency" = { max = 1 }\n', "unknown path"),
        ('[slo]\n"ttft_ms" = { max = 1 }\n', "is not a number"),
        ('[slo]\n"by_status" = { max = 1 }\n', "names a whole table"),
        ('[slo]\n"a" = { max = 1 }\n[extra]\n', "extra: unknown field (allowed here: slo)"),
        ("[slo\n", "not valid TOML"),
    ],
    ids=[
        "empty",
        "slo-not-a-table",
        "no-bounds",
        "bare-number",
        "unknown-bound",
        "string-limit",
        "bool-limit",
        "min-above-max",
        "unknown-percentile",
        "unknown-key",
        "table-path",
        "whole-dynamic-map",
        "extra-table",
        "bad-toml",
    ],
)
def test_bad_slo_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SLOError) as caught:
        load_slo(write(tmp_path, text), TEMPLATE)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert str(tmp_path / "slo.toml") in str(caught.value)


def test_missing_slo_file(tmp_path: Path) -> None:
    with pytest.raises(SLOError, match="cannot read slo file"):
        load_slo(tmp_path / "absent.toml", TEMPLATE)


def test_dynamic_entries_that_never_occurred_count_as_zero() -> None:
    document = summary()
    assert resolve(document, "by_status.429") == 2.0
    assert resolve(document, "by_status.500") == 0.0
    assert resolve(document, "by_channel.deepseek-official.requests") == 100.0
    assert resolve(document, "by_channel.other.cost_usd") == 0.0
    assert resolve(document, "itl_ms.p50") is None  # not measured


def test_evaluation_names_each_breach() -> None:
    bounds = [
        Bound("ttft_ms.p95", max=800),
        Bound("ttft_ms.p99", max=800),
        Bound("error_rate", max=0.01),
        Bound("output_tokens_per_s", min=50),
        Bound("itl_ms.p50", max=100),
        Bound("by_status.500", max=0),
    ]
    breaches = evaluate(summary(), bounds)
    assert [(b.path, b.bound) for b in breaches] == [
        ("ttft_ms.p99", "max"),
        ("error_rate", "max"),
        ("output_tokens_per_s", "min"),
        ("itl_ms.p50", "max"),
    ]
    assert breaches[0].message == "ttft_ms.p99 = 900, above max 800"
    assert breaches[2].message == "output_tokens_per_s = 40, below min 50"
    assert breaches[3].message == "itl_ms.p50: not measured in this run (needs max 100)"


def test_bounds_are_inclusive() -> None:
    assert evaluate(summary(), [Bound("error_rate", min=0.02, max=0.02)]) == []


def test_gate_fills_summary_and_returns_exit_code() -> None:
    met = summary()
    assert apply_gate(met, [Bound("ttft_ms.p95", max=800)], "slo.toml") == EXIT_MET
    assert met["slo"] == {
        "passed": True,
        "source": "slo.toml",
        "default_budget": False,
        "checked": ["ttft_ms.p95"],
        "breaches": [],
        "bounds": [
            {"path": "ttft_ms.p95", "min": None, "max": 800, "actual": 420.0, "passed": True}
        ],
    }
    breached = summary()
    assert apply_gate(breached, [Bound("ttft_ms.p95", max=100)]) == EXIT_BREACHED
    assert breached["slo"]["passed"] is False
    assert breached["slo"]["breaches"][0]["actual"] == 420.0
    assert breached["slo"]["bounds"][0]["passed"] is False


def test_cli_bad_slo_is_usage_error_before_any_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = write(tmp_path, '[slo]\n"ttft_ms.p999" = { max = 1 }\n')
    code = main(["load", "--slo", str(slo), "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "unknown path" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r" / "summary.json").exists()
