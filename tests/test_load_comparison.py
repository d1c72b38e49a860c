"""``routify-suite report`` on load runs: the side-by-side comparison and the regression gate.

Runs are written here as small report directories (summary.json and requests.jsonl records with
the fields ``routify-suite load`` writes), drawn from seeded distributions, so each test knows
what the gate must say: the same server twice passes, a server 30 % slower to the first token
fails, and every usage error is one line with exit code 2.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from routify_suite.cli import main
from routify_suite.load.comparison import compare, find_metric, read_run
from routify_suite.load.regression import judge, parse_rule

START = 1_700_000_000.0
SECONDS = 20


def record(rng: random.Random, index: int, ttft_ms: float, itl_ms: float) -> dict[str, Any]:
    ttft = rng.gauss(ttft_ms, ttft_ms * 0.04)
    tokens = 50
    gaps = [rng.gauss(itl_ms, itl_ms * 0.1) for _ in range(tokens - 1)]
    e2e = ttft + sum(gaps)
    return {
        "id": f"chatcmpl-{index}",
        "kind": "stream",
        "worker": 0,
        "user": index % 10,
        "turn": 1,
        "intended_at": None,
        "sent_at": START + index * SECONDS / 400,
        "ttft_ms": ttft,
        "e2e_ms": e2e,
        "itl_p50_ms": sorted(gaps)[len(gaps) // 2],
        "itl_max_ms": max(gaps),
        "tpot_ms": (e2e - ttft) / (tokens - 1),
        "input_tokens": 20,
        "output_tokens": tokens,
        "tokens_source": "server",
        "status": 200,
        "error": None,
        "reconnects": 0,
        "in_window": True,
        "cut_by_window": False,
    }


def write_run(directory: Path, ttft_ms: float, seed: int, itl_ms: float = 20.0) -> Path:
    directory.mkdir(parents=True)
    rng = random.Random(seed)
    records = [record(rng, index, ttft_ms, itl_ms) for index in range(400)]
    summary = {
        "requests": len(records),
        "duration_s": float(SECONDS),
        "ttft_ms": {"p50": ttft_ms},
        "run": {"started": START, "target": "reference server", "scenario": "stream", "users": 10},
    }
    (directory / "summary.json").write_text(json.dumps(summary))
    lines = "".join(json.dumps(item) + "\n" for item in records)
    (directory / "requests.jsonl").write_text(lines)
    return directory


@pytest.fixture
def runs(tmp_path: Path) -> dict[str, Path]:
    return {
        "A": write_run(tmp_path / "A", 200.0, seed=1),
        "A2": write_run(tmp_path / "A2", 200.0, seed=2),
        "B": write_run(tmp_path / "B", 260.0, seed=3),
    }


def test_same_server_twice_passes_the_gate(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "comparison.html"
    rules = ["--fail-on-regression", "ttft_ms.p50=10%"]
    rules += ["--fail-on-regression", "output_tokens_per_s=-5%"]
    code = main(["report", str(runs["A"]), str(runs["A2"]), *rules, "-o", str(html)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ttft_ms.p50 ok:" in out
    assert "output_tokens_per_s ok:" in out
    assert "regression" in html.read_text()


def test_a_slower_first_token_fails_the_gate(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "comparison.html"
    rules = ["--fail-on-regression", "ttft_ms.p50=10%", "--fail-on-regression", "e2e_ms.p99=10%"]
    code = main(["report", str(runs["A"]), str(runs["B"]), *rules, "-o", str(html)])
    out = capsys.readouterr().out
    assert code == 1, out
    line = next(line for line in out.splitlines() if line.startswith("ttft_ms.p50 regressed"))
    assert "+30." in line  # 260 ms against 200 ms
    assert "e2e_ms.p99 ok:" in out  # 60 ms more on ~1.2 s: within 10 %
    assert max(len(line) for line in out.splitlines()) <= 100
    page = html.read_text()
    assert "ttft_ms.p50 regressed" in page
    assert page.count('class="worse"') == 1


def test_interval_is_deterministic_and_brackets_the_change(runs: dict[str, Path]) -> None:
    metric = find_metric("ttft_ms.p50")
    loaded = [read_run(runs["A"]), read_run(runs["B"])]
    first = compare(loaded, [metric]).rows[0].changes[0]
    again = compare(loaded, [metric]).rows[0].changes[0]
    assert first == again
    assert first.low is not None
    assert first.high is not None
    assert first.percent is not None
    assert first.low < first.percent < first.high
    assert first.low > 25
    assert first.high < 35


def test_a_change_within_noise_does_not_trip_even_beyond_the_threshold() -> None:
    rule = parse_rule("ttft_ms.p50=10%")
    noisy = compare_change(percent=15.0, low=-2.0, high=30.0)
    assert judge(rule, noisy).regressed is False
    assert judge(rule, compare_change(15.0, 5.0, 25.0)).regressed is True
    assert judge(rule, compare_change(8.0, 5.0, 11.0)).regressed is False
    drop = parse_rule("output_tokens_per_s=-5%")
    assert judge(drop, compare_change(-9.0, -12.0, -6.0)).regressed is True
    assert judge(drop, compare_change(9.0, 6.0, 12.0)).regressed is False


def compare_change(percent: float, low: float, high: float) -> Any:
    from routify_suite.load.comparison import Change

    return Change(percent, low, high)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("ttft.p50=10%", "is not a metric of requests.jsonl"),
        ("itl_ms.p50=10%", "use itl_p50_ms.STAT"),
        ("ttft_ms.p50=ten", "is not a percentage"),
        ("ttft_ms.p50", "write METRIC=PCT"),
        ("ttft_ms.p50=-10%", "a rise is a regression"),
        ("output_tokens_per_s=5%", "a drop is a regression"),
    ],
)
def test_bad_rules_are_one_line_and_exit_2(
    runs: dict[str, Path], rule: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(runs["A"]), str(runs["A2"]), "--fail-on-regression", rule])
    captured = capsys.readouterr()
    assert code == 2
    [line] = captured.err.strip().splitlines()
    assert line.startswith("routify-suite report: ")
    assert says in line
    assert captured.out == ""


def test_a_run_without_records_is_a_usage_error(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (runs["A2"] / "requests.jsonl").unlink()
    assert main(["report", str(runs["A"]), str(runs["A2"])]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "no requests.jsonl" in line


def test_mixing_conformance_and_load_runs_is_a_usage_error(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conformance = tmp_path / "conformance"
    conformance.mkdir()
    (conformance / "results.json").write_text("{}")
    assert main(["report", str(runs["A"]), str(conformance)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "conformance and load runs are compared separately" in line


def test_rules_on_conformance_runs_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(tmp_path), "--fail-on-regression", "ttft_ms.p50=10%"])
    assert code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "applies to load runs" in line


def test_three_runs_side_by_side_in_the_terminal(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(runs["A"]), str(runs["A2"]), str(runs["B"])]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "reports" / "comparison.html").is_file()
    header = next(line for line in out.splitlines() if line.startswith("metric"))
    assert "2 vs 1 [95 % CI]" in header
    assert "3 vs 1 [95 % CI]" in header
    assert max(len(line) for line in out.splitlines()) <= 100


def test_the_gate_on_real_runs_of_the_embedded_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """requests.jsonl as `routify-suite load` writes it: 260 ms to the first token against 200."""
    arguments = ["load", "--scenario", "stream", "--users", "8", "--run-time", "2s"]
    arguments += ["--output-tokens", "10"]
    for name, ttft in (("A", "200"), ("B", "260")):
        code = main([*arguments, "--server-ttft-ms", ttft, "--report-dir", str(tmp_path / name)])
        assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    rule = ["--fail-on-regression", "ttft_ms.p50=10%", "-o", str(tmp_path / "c.html")]
    assert main(["report", str(tmp_path / "A"), str(tmp_path / "A"), *rule]) == 0
    assert main(["report", str(tmp_path / "A"), str(tmp_path / "B"), *rule]) == 1
    out = capsys.readouterr().out
    assert "ttft_ms.p50 regressed: +" in out


def test_comparing_load_runs_without_the_load_extra_is_one_line(
    runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "numpy" else real(name, *a)
    )
    assert main(["report", str(runs["A"]), str(runs["A2"])]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        "routify-suite report: comparing load runs needs the load extra:"
        " pip install 'routify-suite[load]'"
    )


def test_tokens_are_spread_over_the_seconds_they_arrived_in() -> None:
    from routify_suite.load.comparison import _spread

    amounts = np.array([100.0, 7.0, 40.0])
    begins, ends = np.array([1.5, 2.2, 3.0]), np.array([3.5, 2.2, 5.0])  # the last one is cut
    assert _spread(4, amounts, begins, ends).tolist() == [0.0, 25.0, 57.0, 45.0]


def test_a_stall_that_hit_many_streams_at_once_leaves_the_tail_uncertain(
    runs: dict[str, Path],
) -> None:
    """One second in which eight requests waited 500 ms makes run A's p99: whole seconds are
    resampled, so whether that second is drawn decides the tail, and the interval says so."""
    path = runs["A"] / "requests.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    stalled = [r for r in records if 10 <= r["sent_at"] - START < 11][:8]
    for item in stalled:
        item["ttft_ms"] = 500.0
    path.write_text("".join(json.dumps(item) + "\n" for item in records))
    metric = find_metric("ttft_ms.p99")
    change = compare([read_run(runs["A"]), read_run(runs["A2"])], [metric]).rows[0].changes[0]
    assert change.percent is not None
    assert change.percent < -50
    assert change.high is not None
    assert change.high > -5
