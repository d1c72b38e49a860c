"""Workloads: token-length sampling, synthetic prompts, datasets, multi-turn sessions."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from routify_suite.load.datasets import DatasetError, read_dataset
from routify_suite.load.workloads import (
    TokenSpec,
    Workload,
    WorkloadError,
    WorkloadSpec,
    parse_goodput,
    tokenizer,
)
from routify_suite.paths import FIXTURES_DIR

DATASETS = FIXTURES_DIR / "datasets"


def body(plan_body: bytes) -> dict:
    return orjson.loads(plan_body)


@pytest.mark.parametrize(("text", "spec"), [("500", (500, 0)), ("500,100", (500, 100))])
def test_token_spec(text: str, spec: tuple[float, float]) -> None:
    assert TokenSpec.parse(text, "--input-tokens") == TokenSpec(*spec)


@pytest.mark.parametrize("text", ["", "0", "abc", "500,-1", "1,2,3", "500,"])
def test_bad_token_spec(text: str) -> None:
    with pytest.raises(WorkloadError, match="--output-tokens"):
        TokenSpec.parse(text, "--output-tokens")


def test_samples_are_normal_and_clipped_at_one() -> None:
    rng = random.Random(7)
    samples = [TokenSpec(200, 50).sample(rng) for _ in range(4000)]
    mean = sum(samples) / len(samples)
    assert 195 < mean < 205
    assert min(TokenSpec(1, 50).sample(rng) for _ in range(500)) == 1


def test_synthetic_prompts_have_the_requested_length() -> None:
    counter = tokenizer()
    rng = random.Random(3)
    for wanted in (1, 17, 500, 3000):
        text = counter.text_of_length(wanted, rng)
        assert abs(counter.count(text) - wanted) <= 2, wanted


def test_synthetic_request_with_ignore_eos() -> None:
    spec = WorkloadSpec(TokenSpec(300, 0), TokenSpec(40, 0), ignore_eos=True)
    session = Workload(spec, random.Random(1)).new_session()
    plan = session.next_request(True, "deepseek-v3.2")
    sent = body(plan.body)
    assert sent["max_tokens"] == sent["min_tokens"] == 40 == plan.max_tokens
    assert sent["ignore_eos"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert abs(plan.input_tokens - 300) <= 2
    assert session.done


def test_default_workload_is_the_fixed_prompts_without_extensions() -> None:
    plan = Workload(WorkloadSpec(), random.Random(1)).new_session().next_request(False, "m")
    sent = body(plan.body)
    assert sent["messages"][0] == {"role": "system", "content": "You are concise."}
    assert sent["max_tokens"] == 64
    assert "ignore_eos" not in sent
    assert "stream_options" not in sent


def test_jsonl_dataset_keeps_messages_and_max_tokens() -> None:
    conversations = read_dataset(DATASETS / "chat.jsonl", tokenizer().count)
    assert len(conversations) == 4
    assert conversations[0].max_tokens == (None,)
    assert conversations[1].max_tokens == (48,)
    assert conversations[3].opening[-1]["content"] == "Now one about latency."


def test_sharegpt_dataset_gives_turns_and_reply_lengths() -> None:
    count = tokenizer().count
    first, second, _ = read_dataset(DATASETS / "sharegpt.json", count)
    assert first.opening == ({"role": "user", "content": first.opening[0]["content"]},)
    assert first.follow_ups == ("Why do multi-turn chats benefit?",)
    assert first.max_tokens[0] == count(
        "It keeps the attention state of prompts it has seen, so a request that starts with"
        " the same messages skips recomputing them."
    )
    assert second.opening[0]["role"] == "system"


def test_multi_turn_session_resends_the_growing_history() -> None:
    spec = WorkloadSpec(dataset=DATASETS / "sharegpt.json", turns=3)
    workload = Workload(spec, random.Random(5))
    session = workload.new_session()
    turns, lengths = [], []
    while not session.done:
        plan = session.next_request(False, "m")
        turns.append(plan.turn)
        lengths.append(len(body(plan.body)["messages"]))
        session.add_reply("Sure.")
    assert turns == [1, 2, 3]
    assert lengths[1] == lengths[0] + 2
    assert lengths[2] == lengths[1] + 2
    assert body(plan.body)["messages"][-2] == {"role": "assistant", "content": "Sure."}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "not JSON Lines"),
        ('{"prompt": "x"}\n', "expected"),
        ('{"messages": [{"content": "x"}]}\n', "role"),
        ('{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}\n', "max_tokens"),
        ('[{"conversations": [{"from": "gpt", "value": "x"}]}]', "no human turn"),
        ("", "no conversations"),
    ],
)
def test_bad_datasets_are_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message) as caught:
        read_dataset(path, len)
    assert "\n" not in str(caught.value)


def test_goodput_bounds() -> None:
    assert parse_goodput("ttft_ms=800, itl_ms=50") == {"ttft_ms": 800.0, "itl_ms": 50.0}
    assert parse_goodput("") == {}
    with pytest.raises(WorkloadError, match="--goodput"):
        parse_goodput("rps=3")
