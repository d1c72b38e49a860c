"""``--tokenizer PATH``: a Hugging Face tokenizer.json, built here (no model file ships), sizes
and counts prompts offline like the embedded encodings do."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tokenizers import Tokenizer as HuggingFaceTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from routify_suite.load.options import LoadOptions, UsageError, check_options
from routify_suite.load.token_counting import Tokenizer, tokenizer_name
from routify_suite.load.workloads import Workload, WorkloadSpec

CORPUS = [
    "the river runs past the quiet market and the stone bridge",
    "a model streams tokens to the client one event at a time",
    "morning light on the harbor, evening music in the garden",
] * 20


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE of a few hundred merges, trained in milliseconds."""
    model = HuggingFaceTokenizer(models.BPE())
    model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    model.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    model.train_from_iterator(CORPUS, trainer)
    path = tmp_path_factory.mktemp("small-bpe") / "tokenizer.json"
    model.save(str(path))
    return path


def test_counts_as_the_library_does(tokenizer_file: Path) -> None:
    ours = Tokenizer(str(tokenizer_file))
    theirs = HuggingFaceTokenizer.from_file(str(tokenizer_file))
    text = "the quiet river streams music to the harbor"
    assert ours.count(text) == len(theirs.encode(text, add_special_tokens=False).ids)
    assert ours.count(text) != Tokenizer("cl100k_base").count(text)
    assert ours.count_messages([{"role": "user", "content": text}]) == ours.count(text)
    assert ours.name == tokenizer_name(str(tokenizer_file))
    assert ours.name.endswith("/tokenizer.json")


def test_synthetic_prompts_have_the_asked_length_in_its_tokens(tokenizer_file: Path) -> None:
    ours = Tokenizer(str(tokenizer_file))
    rng = random.Random(1)
    lengths = [ours.count(ours.text_of_length(40, rng)) for _ in range(20)]
    assert all(abs(length - 40) <= 2 for length in lengths), lengths  # a cut word re-merges


def test_a_workload_uses_the_file(tokenizer_file: Path) -> None:
    spec = WorkloadSpec.from_options(LoadOptions(input_tokens="30", tokenizer=str(tokenizer_file)))
    workload = Workload(spec, random.Random(0))
    plan = workload.new_session().next_request(stream=True, model="m")
    assert plan.input_tokens is not None
    assert abs(plan.input_tokens - 30) <= 2
    assert spec.describe()["tokenizer"] == tokenizer_name(str(tokenizer_file))
    check_options(LoadOptions(input_tokens="30", tokenizer=str(tokenizer_file)))


@pytest.mark.parametrize("name", ["p50k_base", "missing/tokenizer.json"])
def test_an_unknown_tokenizer_is_one_usage_line(name: str) -> None:
    with pytest.raises(UsageError, match="neither cl100k_base nor o200k_base nor a tokenizer"):
        check_options(LoadOptions(input_tokens="30", tokenizer=name))


def test_a_file_that_is_not_a_tokenizer_says_so(tmp_path: Path) -> None:
    bogus = tmp_path / "tokenizer.json"
    bogus.write_text('{"not": "a tokenizer"}')
    with pytest.raises(UsageError, match=r"is not a tokenizer\.json"):
        check_options(LoadOptions(tokenizer=str(bogus)))
