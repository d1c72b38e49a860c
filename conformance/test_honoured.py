"""Parameters honoured, not just accepted: the completion shows what the request asked for."""

from __future__ import annotations

import re

import pytest
from routify_suite.conformance import bodies
from routify_suite.conformance.checks import params
from routify_suite.conformance.client import ConformanceClient, Exchanges
from routify_suite.conformance.findings import CaseLog, not_exercised

from routify_suite.target import Target

pytestmark = [pytest.mark.params, pytest.mark.honoured]

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


def _post(api: ConformanceClient, request: dict, stream: bool, label: str):
    if stream:
        request = {**request, "stream": True}
    return api.post(request, label=label)


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("cap", [1, 3])
def test_max_tokens_caps_completion(
    cap: int, stream: bool, api: ConformanceClient, target: Target, case_log: CaseLog
) -> None:
    request = bodies.body(target, messages=[bodies.LONG_ANSWER], max_tokens=cap)
    if stream:
        request["stream_options"] = {"include_usage": True}
    exchange = _post(api, request, stream, f"max-tokens:{cap}")
    case_log.expect(params.max_tokens_findings(exchange, cap), checked=["params.max-tokens"])


def _stop_word(text: str) -> str | None:
    """A word from the middle of the text, whose first occurrence the stop must cut at."""
    words = re.findall(r"[A-Za-z]{4,}", text)
    return words[len(words) // 2] if len(words) >= 3 else None


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("form", ["string", "array"])
def test_stop_ends_text(
    form: str,
    stream: bool,
    api: ConformanceClient,
    exchanges: Exchanges,
    target: Target,
    case_log: CaseLog,
) -> None:
    request = bodies.body(target, messages=[bodies.LONG_ANSWER], temperature=0)
    unstopped = exchanges.get("stop:unstopped", lambda _: request)
    completion, failed = params.completion_of(unstopped)
    if completion is None:
        case_log.expect(failed, checked=["params.stop"])
        return
    word = _stop_word(completion.content)
    if word is None:
        not_exercised(f"the answer {completion.content!r} has no word to stop at")
    stop = word if form == "string" else ["\u0000never\u0000", word]
    exchange = _post(api, {**request, "stop": stop}, stream, f"stop:{form}")
    before = completion.content[: completion.content.find(word)]
    case_log.expect(params.stop_findings(exchange, stop, before), checked=["params.stop"])


TOOL_CHOICES = [
    pytest.param("required", id="required"),
    pytest.param({"type": "function", "function": {"name": "get_weather"}}, id="named"),
]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("tool_choice", TOOL_CHOICES)
def test_forced_tool_call_fits_schema(
    tool_choice: object, stream: bool, api: ConformanceClient, target: Target, case_log: CaseLog
) -> None:
    exchange = _post(api, bodies.tool_body(target, tool_choice), stream, "tools:forced")
    found = params.tools_findings(exchange, bodies.WEATHER_TOOL, forced=True)
    case_log.expect(found, checked=["params.tools"])


@pytest.mark.parametrize("stream", MODES)
def test_tool_choice_none_answers_in_text(
    stream: bool, api: ConformanceClient, target: Target, case_log: CaseLog
) -> None:
    exchange = _post(api, bodies.tool_body(target, "none"), stream, "tools:none")
    case_log.expect(params.no_tools_findings(exchange), checked=["params.tools"])


@pytest.mark.parametrize("stream", MODES)
def test_json_mode_yields_object(
    stream: bool, api: ConformanceClient, target: Target, case_log: CaseLog
) -> None:
    exchange = _post(api, bodies.json_mode_body(target), stream, "json-mode")
    case_log.expect(params.json_mode_findings(exchange), checked=["params.json-mode"])


@pytest.mark.routify_only
@pytest.mark.parametrize("stream", MODES)
def test_auto_model_answers_with_concrete_model(
    stream: bool, api: ConformanceClient, target: Target, case_log: CaseLog
) -> None:
    auto = target.model("auto")
    if not auto:
        not_exercised("the target has no models.auto")
    exchange = _post(api, bodies.body(target, model=auto), stream, "auto-model")
    case_log.expect(params.auto_model_findings(exchange, auto), checked=["params.auto-model"])
