"""Report writers: results.json round trip, the HTML matrix, the terminal table, `report`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from routify_suite.cli import main
from routify_suite.report.html import render_matrix
from routify_suite.report.model import CaseResult, ResultsError, RunResult, load_run
from routify_suite.report.terminal import print_matrix, terminal_console
from routify_suite.report.writers import write_all


def _run(name: str, verdicts: dict[str, str]) -> RunResult:
    cases = [
        CaseResult(
            id=f"conformance/test_stream.py::test_stream[{case}]",
            verdict=verdict,
            group="conformance/test_stream.py::test_stream",
            failed_checks=["stream.done-last"] if verdict == "fail" else [],
            findings=[
                {
                    "check": "stream.done-last",
                    "expected": "nothing after data: [DONE]",
                    "got": "2 event(s) after [DONE]",
                    "rule": "data: [DONE] is the last event",
                    "request_id": "req_1",
                    "strict": True,
                }
            ]
            if verdict == "fail"
            else [],
            got="2 event(s) after [DONE]" if verdict == "fail" else "",
            message="[stream.done-last] <script>alert(1)</script>" if verdict == "fail" else "",
        )
        for case, verdict in verdicts.items()
    ]
    target = {"name": name, "base_url": "http://127.0.0.1:1/v1", "profile": "routify"}
    failed = int(any(verdict == "fail" for verdict in verdicts.values()))
    return RunResult(target=target, started_at=0.0, duration_s=1.5, exit_status=failed, cases=cases)


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


def test_html_matrix_has_one_column_group_per_run_and_is_self_contained() -> None:
    page = render_matrix([_run("local", {"a": "pass"}), _run("vendor", {"a": "fail", "b": "pass"})])
    assert page.count('class="group"') == 2  # one column group per target
    assert ">local</th>" in page
    assert ">vendor</th>" in page
    assert 'class="cell fail"' in page
    assert 'id="differs"' in page
    assert "local: <b>conforms</b>" in page
    assert "vendor: <b>does not conform</b>" in page
    # Self-contained: nothing fetched, no script or stylesheet from anywhere.
    assert " src=" not in page
    assert "<link" not in page
    assert "http" not in page.replace("http://127.0.0.1:1/v1", "")


def test_single_run_page_leads_with_the_verdict_and_the_failed_check() -> None:
    page = render_matrix([_run("local", {"a": "pass", "b": "fail"})])
    banner = page.index('id="banner"')
    first_failure = page.index('<article class="failure fail"')
    matrix = page.index('id="matrix"')
    assert banner < first_failure < matrix
    assert "local does not conform" in page
    assert "1 check(s) failed in 1 case(s)" in page
    assert "<code>stream.done-last</code>" in page
    assert "2 event(s) after [DONE]" in page


def test_details_escape_messages() -> None:
    run = _run("local", {"a": "fail"})
    run.cases[0].findings[0]["got"] = "<script>alert(1)</script>"
    page = render_matrix([run])
    assert "&lt;script&gt;alert(1)" in page
    assert "<script>alert" not in page


def test_transcripts_are_rendered_once_and_linked_from_cases() -> None:
    run = _run("local", {"a": "fail"})
    run.cases[0].exchanges = ["x1"]
    run.exchanges = {
        "x1": {
            "id": "x1",
            "label": "stream:plain",
            "url": "http://127.0.0.1:1/v1/chat/completions",
            "request_headers": {"authorization": "Bearer ***"},
            "request": '{"stream": true}',
            "status": 200,
            "headers": {"content-type": "text/event-stream"},
            "duration_ms": 3.0,
            "failure": None,
            "events": {
                "count": 2,
                "first": [{"index": 0, "at_ms": 1.5, "event": "message", "data": "{}"}],
                "last": [{"index": 1, "at_ms": 2.5, "event": "message", "data": "[DONE]"}],
                "omitted": 0,
                "ended": "eof",
                "detail": "",
                "violations": [],
            },
        }
    }
    page = render_matrix([run])
    assert page.count('<template id="x0-x1">') == 1
    assert 'data-x="x0-x1"' in page
    assert "1.5 ms" in page
    assert "Bearer ***" in page


def test_terminal_lists_check_ids_where_runs_differ_within_80_columns() -> None:
    out = io.StringIO()
    runs = [_run("local", {"a": "pass", "b": "pass"}), _run("vendor", {"a": "fail", "b": "pass"})]
    for case in runs[0].cases + runs[1].cases:
        case.row = "stream.done-last"
    print_matrix(runs, out, only_differences=True, width=80)
    text = out.getvalue()
    assert "stream.done-last" in text
    assert "fail 1/2" in text
    assert "test_stream[" not in text  # check ids, not node ids
    assert max(len(line) for line in text.splitlines()) <= 80


def test_terminal_says_in_one_line_when_runs_agree() -> None:
    out = io.StringIO()
    print_matrix([_run("a", {"x": "pass"}), _run("b", {"x": "pass"})], out, True, width=80)
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("The 2 runs agree on every check")
    assert not any(line.startswith("check ") for line in lines)


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
    # Exit 1: one of the runs failed.
    assert main(["report", str(tmp_path / "one"), str(tmp_path / "two"), "-o", str(output)]) == 1
    page = output.read_text()
    assert "local (one)" in page
    assert "local (two)" in page
    assert "stream.done-last" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "one"), "-o", str(output)]) == 0
    assert main(["report", str(tmp_path / "missing"), "-o", str(output)]) == 2


def test_terminal_shows_how_runs_differ_when_their_counts_look_alike() -> None:
    """Six cases pass in both runs' row, but one kind of exchange was not exercised in the
    second: the cells differ (pass 6 / pass 5 n-e 1) and the row names the kind."""
    out = io.StringIO()
    first = _run("local", {str(n): "pass" for n in range(6)})
    second = _run("vendor", {**{str(n): "pass" for n in range(5)}, "5": "not-exercised"})
    for run in (first, second):
        for number, case in enumerate(run.cases):
            case.row, case.kind = "stream.usage", "tool-call" if number == 5 else "plain"
    second.target["profile"] = "openai"
    print_matrix([first, second], out, only_differences=True, width=80)
    text = out.getvalue()
    assert "routify" in text
    assert "openai" in text  # the profile of each run
    [row] = [line for line in text.splitlines() if line.startswith("stream.usage")]
    assert "pass 6" in row
    assert "pass 5 n-e 1" in row
    assert "tool-call pass/n-e" in row
    assert max(len(line) for line in text.splitlines()) <= 80


def test_tables_in_a_ci_log_get_its_100_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a terminal and no COLUMNS: 100 columns (rich alone would cut columns at 80)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_console(io.StringIO()).width == 100
    assert terminal_console(io.StringIO(), 60).width == 60
    monkeypatch.setenv("COLUMNS", "120")
    assert terminal_console(io.StringIO()).width == 120
