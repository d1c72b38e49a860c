"""Probe first: a wrong key or an unserved model is exit 2 and one line, in both suites, after a
single request; what the probe does not recognise is left for the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from routify_suite.cli import main
from routify_suite.probe import probe
from tests.conformance_helpers import serving_chat

SECRET = "rtf_probe_secret_key"


class Answer:
    """A fake server that gives every request the same answer, and counts them."""

    def __init__(self) -> None:
        self.status = 200
        self.error: dict = {}
        self.requests: list[dict] = []

    async def chat(self, request: Request) -> JSONResponse:
        self.requests.append({"body": await request.body(), "headers": dict(request.headers)})
        if self.status == 200:
            return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion"})
        return JSONResponse({"error": self.error}, status_code=self.status)


@pytest.fixture
def fake() -> Iterator[tuple[Answer, str]]:
    answer = Answer()
    with serving_chat(answer.chat) as base_url:
        yield answer, base_url


WRONG_KEY = (
    401,
    {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"},
)
NO_MODEL = (404, {"message": "The model 'm' does not exist", "code": "model_not_found"})


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (*WRONG_KEY, "the key is rejected (401 invalid_api_key: Incorrect API key)"),
        (403, {"message": "suspended", "code": "account_suspended"}, "the key is rejected (403"),
        (*NO_MODEL, "the model 'm' is not served (404 model_not_found: "),
        (400, {"message": "unknown", "param": "model", "code": None}, "the model 'm' is not"),
        (
            404,
            {"message": "No route for POST /chat/completions"},
            "no chat completions route at POST http://127.0.0.1:",
        ),
        (429, {"message": "slow down"}, None),
        (500, {"message": "boom"}, None),
        (400, {"message": "max_tokens too large", "param": "max_tokens"}, None),
    ],
)
def test_probe_names_the_problem(
    status: int, error: dict, expected: str | None, fake: tuple[Answer, str]
) -> None:
    answer, url = fake
    answer.status, answer.error = status, error
    problem = probe(url, key=SECRET, model="m")
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(expected)
    [sent] = answer.requests
    assert sent["headers"]["authorization"] == f"Bearer {SECRET}"
    assert json.loads(sent["body"])["model"] == "m"


@pytest.mark.parametrize("suite", ["conformance", "load"])
@pytest.mark.parametrize("answer_with", [WRONG_KEY, NO_MODEL], ids=["wrong-key", "no-model"])
def test_one_line_and_exit_2_before_any_other_request(
    suite: str,
    answer_with: tuple[int, dict],
    fake: tuple[Answer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer, url = fake
    answer.status, answer.error = answer_with
    arguments = [suite, "--base-url", url, "--api-key", SECRET, "--model", "m"]
    assert main([*arguments, "--report-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert line.startswith(f"routify-suite {suite}: the ")
    assert ("key is rejected" if answer.status == 401 else "model 'm' is not served") in line
    assert SECRET not in captured.out + captured.err
    assert len(answer.requests) == 1
    assert not list(tmp_path.iterdir()) or not (tmp_path / "results.json").exists()


@pytest.mark.parametrize("suite", ["conformance", "load"])
@pytest.mark.parametrize("given", [["--api-key", SECRET], ["--model", "m"], []])
def test_base_url_without_target_needs_key_and_model(
    suite: str, given: list[str], fake: tuple[Answer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    answer, url = fake
    assert main([suite, "--base-url", url, *given]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "--base-url without --target needs" in line
    assert SECRET not in line
    assert not answer.requests
