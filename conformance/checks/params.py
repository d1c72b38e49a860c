"""Parameters honoured, not just accepted: what the completion must show for what was asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.checks.response import document
from routify_suite.conformance.checks.stream import precondition
from routify_suite.conformance.exchange import Exchange, strict_json
from routify_suite.conformance.findings import Finding


@dataclass(slots=True)
class Completion:
    """Choice 0 of a response or of a stream (deltas assembled), as far as the checks need it."""

    content: str = ""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    finish_reason: Any = None
    model: Any = None
    completion_tokens: Any = None
    usage: Any = None
    """The usage object as sent (a response's, or a stream's last one), or None."""


def _assemble_stream(exchange: Exchange) -> Completion:
    completion = Completion()
    calls: dict[int, dict[str, str]] = {}
    for chunk in exchange.json_chunks:
        completion.model = completion.model or chunk.get("model")
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            completion.completion_tokens = usage.get("completion_tokens")
            completion.usage = usage
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index") != 0:
                continue
            delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
            if isinstance(delta.get("content"), str):
                completion.content += delta["content"]
            for call in delta.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
                slot = calls.setdefault(call.get("index", 0), {"name": "", "arguments": ""})
                function = call.get("function") if isinstance(call.get("function"), dict) else {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
            if choice.get("finish_reason") is not None:
                completion.finish_reason = choice["finish_reason"]
    completion.tool_calls = [calls[index] for index in sorted(calls)]
    return completion


def completion_of(exchange: Exchange) -> tuple[Completion | None, list[Finding]]:
    """Choice 0 of either kind of exchange, or the findings that prevent reading it."""
    if exchange.wants_stream:
        failed = precondition(exchange)
        return (None, failed) if failed else (_assemble_stream(exchange), [])
    doc, failed = document(exchange)
    if doc is None:
        return None, failed
    choices = doc.get("choices") if isinstance(doc.get("choices"), list) else []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    calls = [
        {
            "name": str(call["function"].get("name", "")),
            "arguments": call["function"].get("arguments"),
        }
        for call in message.get("tool_calls") or []
        if isinstance(call, dict) and isinstance(call.get("function"), dict)
    ]
    usage = doc.get("usage") if isinstance(doc.get("usage"), dict) else {}
    content = message.get("content")
    return (
        Completion(
            content=content if isinstance(content, str) else "",
            tool_calls=calls,
            finish_reason=choice.get("finish_reason"),
            model=doc.get("model"),
            completion_tokens=usage.get("completion_tokens"),
            usage=doc.get("usage"),
        ),
        [],
    )


def max_tokens_findings(exchange: Exchange, cap: int) -> list[Finding]:
    """A cap the answer would exceed: completion_tokens <= cap, finish_reason "length"."""
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    found = []
    tokens = completion.completion_tokens
    if isinstance(tokens, int) and tokens > cap:
        got = f"completion_tokens {tokens}"
        found.append(finding(exchange, "params.max-tokens", f"completion_tokens <= {cap}", got))
    if completion.finish_reason != "length":
        found.append(
            finding(
                exchange,
                "params.max-tokens",
                f'finish_reason "length" when max_tokens {cap} cuts the answer',
                f"finish_reason {completion.finish_reason!r}, content {completion.content!r}",
            )
        )
    return found


def stop_findings(exchange: Exchange, stop: str | list[str], before: str) -> list[Finding]:
    """The text ends before the stop sequence, which never appears in it.

    ``before`` is the unstopped answer up to the sequence: an answer that follows the same path
    must end there (a sampling server may take another path, which is not held against it).
    """
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    sequences = [stop] if isinstance(stop, str) else stop
    found = []
    present = [s for s in sequences if s in completion.content]
    if present:
        got = f"content {completion.content!r} contains {present[0]!r}"
        found.append(finding(exchange, "params.stop", "the text ends before the sequence", got))
    elif (
        before.strip()
        and completion.content.startswith(before)
        and completion.content[len(before) :].strip()
    ):
        got = f"content {completion.content!r} goes on past {before!r}"
        expected = f"the text cut where {sequences[0]!r} would begin"
        found.append(finding(exchange, "params.stop", expected, got))
    if completion.finish_reason != "stop":
        got = f"finish_reason {completion.finish_reason!r}"
        found.append(finding(exchange, "params.stop", 'finish_reason "stop"', got))
    return found


def tools_findings(exchange: Exchange, tool: dict[str, Any], forced: bool) -> list[Finding]:
    """tool_calls of the tool, arguments a JSON object fitting its parameters schema."""
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    name = tool["function"]["name"]
    if not completion.tool_calls:
        if not forced:
            return []
        got = f"no tool_calls; finish_reason {completion.finish_reason!r}"
        return [finding(exchange, "params.tools", f"a call of {name} (tool_choice forces it)", got)]
    found = []
    parameters = tool["function"].get("parameters", {"type": "object"})
    for call in completion.tool_calls:
        if call["name"] != name:
            got = f"call of {call['name']!r}"
            found.append(finding(exchange, "params.tools", f"a call of {name}", got))
            continue
        try:
            arguments = strict_json(call["arguments"] or "")
        except (ValueError, TypeError) as error:
            got = f"arguments {call['arguments']!r}: {error}"
            found.append(finding(exchange, "params.tools", "arguments as a JSON string", got))
            continue
        error = best_match(Draft202012Validator(parameters).iter_errors(arguments))
        if error is not None:
            got = f"arguments {json.dumps(arguments)}: {error.message}"
            found.append(finding(exchange, "params.tools", "arguments fit the tool's schema", got))
    return found


def no_tools_findings(exchange: Exchange) -> list[Finding]:
    """tool_choice "none": the answer is text, not a call."""
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    if not completion.tool_calls:
        return []
    got = f"{len(completion.tool_calls)} tool call(s)"
    return [finding(exchange, "params.tools", 'no tool_calls with tool_choice "none"', got)]


def json_mode_findings(exchange: Exchange) -> list[Finding]:
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    try:
        value = strict_json(completion.content)
    except ValueError as error:
        got = f"content {completion.content!r}: {error}"
        return [finding(exchange, "params.json-mode", "content that parses as JSON", got)]
    if isinstance(value, dict):
        return []
    got = f"a JSON {type(value).__name__}"
    return [finding(exchange, "params.json-mode", "a JSON object", got)]


def auto_model_findings(exchange: Exchange, auto: str) -> list[Finding]:
    completion, failed = completion_of(exchange)
    if completion is None:
        return failed
    model = completion.model
    if isinstance(model, str) and model.strip() and model != auto:
        return []
    return [
        finding(
            exchange, "params.auto-model", f"a concrete model, not {auto!r}", f"model {model!r}"
        )
    ]
