"""Report writers: results.json round trip, the HTML matrix, the terminal table, `report`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.report.html import render_matrix
from routify_suite.report.model import CaseResult, ResultsError, RunResult, load_run
from routify_suite.report.terminal import print_matrix
from routify_suite.report.writers import write_all


def _run(name: str, verdicts: dict[str, str]) -> RunResult:
    cases = [
        CaseResult(
            id=f"conformance/test_stream.py::test_stream[{case}]",
            verdict=verdict,
            group="conformance/test_stream.py::test_stream",
            failed_checks=["stream.done-last"] if verdict == "fail" else [],
            got="2 event(s) after [DONE]" if verdict == "fail" else "",
            message="[stream.done-last] <script>alert(1)</script>" if verdict == "fail" else "",
        )
        for case, verdict in verdicts.items()
    ]
    target = {"name": name, "base_url": "http://127.0.0.1:1/v1", "profile": "routify"}
    return RunResult(target=target, started_at=0.0, duration_s=1.5, exit_status=0, cases=cases)


def test_results_json_round_trip(tmp_path: Path) -> None:
    run = _run("local", {"a": "pass", "b": "fail", "c": "non-strict", "d": "not-exercised"})
    write_all(run, tmp_path)
    again = load_run(tmp_path)
    assert again.cases == run.cases
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["counts"] == {
        "pass": 1,
        "fail": 1,
        "non-strict": 1,
        "not-exercised": 1,
        "not-run": 0,
    }


def test_html_matrix_has_one_column_per_run_and_is_self_contained() -> None:
    page = render_matrix([_run("local", {"a": "pass"}), _run("vendor", {"a": "fail", "b": "pass"})])
    assert "<th>local</th><th>vendor</th>" in page
    assert 'class="v fail"' in page
    assert '<span class="missing">' in page  # case b never ran against local
    assert "<script" not in page
    assert "http" not in page.replace("http://127.0.0.1:1/v1", "")


def test_details_escape_messages() -> None:
    page = render_matrix([_run("local", {"a": "fail"})], details=True)
    assert "&lt;script&gt;" in page
    assert "<script>" not in page


def test_terminal_table_lists_differences() -> None:
    out = io.StringIO()
    runs = [_run("local", {"a": "pass", "b": "pass"}), _run("vendor", {"a": "fail", "b": "pass"})]
    print_matrix(runs, out, only_differences=True)
    text = out.getvalue()
    assert "test_stream[a]" in text
    assert "test_stream[b]" not in text
    assert "stream.done-last" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not JSON"), ('{"format": "other"}', "not a routify-suite results file")],
)
def test_bad_results_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "results.json").write_text(content)
    with pytest.raises(ResultsError, match=message):
        load_run(tmp_path)


def test_report_command_writes_the_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_all(_run("local", {"a": "pass"}), tmp_path / "one")
    write_all(_run("local", {"a": "fail"}), tmp_path / "two")
    output = tmp_path / "matrix.html"
    assert main(["report", str(tmp_path / "one"), str(tmp_path / "two"), "-o", str(output)]) == 0
    page = output.read_text()
    assert "local (one)" in page
    assert "local (two)" in page
    assert "test_stream[a]" in capsys.readouterr().out
