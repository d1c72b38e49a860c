"""Parameters honoured, not just accepted: the completion shows what the request asked for."""

from __future__ import annotations

import re

import pytest

from routify_suite.conformance import bodies
from routify_suite.conformance.checks import params
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog, not_exercised
from routify_suite.conformance.plan import Request, Then, planned
from routify_suite.target import Target

pytestmark = [pytest.mark.params, pytest.mark.honoured]

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


def _request(request: dict, stream: bool, label: str) -> Request:
    if stream:
        request = {**request, "stream": True}
    return Request(label, request)


def _max_tokens(target: Target, cap: int, stream: bool) -> Request:
    request = bodies.body(target, messages=[bodies.LONG_ANSWER], max_tokens=cap)
    if stream:
        request["stream_options"] = {"include_usage": True}
    return _request(request, stream, f"max-tokens:{cap}")


@planned(lambda target, cap, stream: [_max_tokens(target, cap, stream)])
@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("cap", [1, 3])
def test_max_tokens_caps_completion(
    cap: int, stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_max_tokens(target, cap, stream))
    case_log.expect(params.max_tokens_findings(exchange, cap), checked=["params.max-tokens"])


def _stop_word(text: str) -> str | None:
    """A word from the middle of the text, whose first occurrence the stop must cut at."""
    words = re.findall(r"[A-Za-z]{4,}", text)
    return words[len(words) // 2] if len(words) >= 3 else None


def _unstopped(target: Target) -> Request:
    body = bodies.body(target, messages=[bodies.LONG_ANSWER], temperature=0)
    return Request("stop:unstopped", body)


def _stopped(unstopped: Request, word: str, form: str, stream: bool) -> Request:
    stop = word if form == "string" else ["\u0000never\u0000", word]
    return _request({**unstopped.body, "stop": stop}, stream, f"stop:{form}")


def _stop_plan(target: Target, form: str, stream: bool) -> list[Then]:
    """The unstopped answer first; then the same request stopped at a word of that answer."""
    unstopped = _unstopped(target)

    def stopped(answer: Exchange) -> Request | None:
        completion, _ = params.completion_of(answer)
        word = _stop_word(completion.content) if completion is not None else None
        return _stopped(unstopped, word, form, stream) if word else None

    return [Then(unstopped, stopped)]


@planned(_stop_plan)
@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("form", ["string", "array"])
def test_stop_ends_text(
    form: str, stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    unstopped = _unstopped(target)
    completion, failed = params.completion_of(exchanges.get(unstopped))
    if completion is None:
        case_log.expect(failed, checked=["params.stop"])
        return
    word = _stop_word(completion.content)
    if word is None:
        not_exercised(f"the answer {completion.content!r} has no word to stop at")
    request = _stopped(unstopped, word, form, stream)
    exchange = exchanges.get(request)
    before = completion.content[: completion.content.find(word)]
    stop = request.body["stop"]
    case_log.expect(params.stop_findings(exchange, stop, before), checked=["params.stop"])


TOOL_CHOICES = [
    pytest.param("required", id="required"),
    pytest.param({"type": "function", "function": {"name": "get_weather"}}, id="named"),
]


def _forced(target: Target, tool_choice: object, stream: bool) -> Request:
    return _request(bodies.tool_body(target, tool_choice), stream, "tools:forced")


@planned(lambda target, tool_choice, stream: [_forced(target, tool_choice, stream)])
@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("tool_choice", TOOL_CHOICES)
def test_forced_tool_call_fits_schema(
    tool_choice: object, stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_forced(target, tool_choice, stream))
    found = params.tools_findings(exchange, bodies.WEATHER_TOOL, forced=True)
    case_log.expect(found, checked=["params.tools"])


def _no_tools(target: Target, stream: bool) -> Request:
    return _request(bodies.tool_body(target, "none"), stream, "tools:none")


@planned(lambda target, stream: [_no_tools(target, stream)])
@pytest.mark.parametrize("stream", MODES)
def test_tool_choice_none_answers_in_text(
    stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_no_tools(target, stream))
    case_log.expect(params.no_tools_findings(exchange), checked=["params.tools"])


def _json_mode(target: Target, stream: bool) -> Request:
    return _request(bodies.json_mode_body(target), stream, "json-mode")


@planned(lambda target, stream: [_json_mode(target, stream)])
@pytest.mark.parametrize("stream", MODES)
def test_json_mode_yields_object(
    stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_json_mode(target, stream))
    case_log.expect(params.json_mode_findings(exchange), checked=["params.json-mode"])


def _auto_model(target: Target, stream: bool) -> list[Request]:
    auto = target.model("auto")
    return [_request(bodies.body(target, model=auto), stream, "auto-model")] if auto else []


@pytest.mark.routify_only
@planned(_auto_model)
@pytest.mark.parametrize("stream", MODES)
def test_auto_model_answers_with_concrete_model(
    stream: bool, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    requests = _auto_model(target, stream)
    if not requests:
        not_exercised("the target has no models.auto")
    exchange = exchanges.get(requests[0])
    auto = target.models["auto"]
    case_log.expect(params.auto_model_findings(exchange, auto), checked=["params.auto-model"])
