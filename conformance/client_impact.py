"""Client impact as evidence: does the official ``openai`` client notice a SHOULD finding?

A SHOULD finding fails only where a client acts on it. For each one about a response, stream or
error, the exchange's recorded bytes are replayed through the official client (replay.py) and
what it yields is compared with what the suite parsed: content, tool calls, finish_reason and
usage for a 2xx, an ``APIStatusError`` of the same status for an error. A client that raises or
yields something else makes the finding a fail, quoting the client; one that shrugs it off leaves
a non-strict finding non-strict, noted "official client unaffected". Without the ``openai``
package nothing changes: the level alone decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import Finding
from routify_suite.conformance.registry import SHOULD

UNAFFECTED = "official client unaffected"
REPLAYED_AREAS = ("response", "stream", "error")
"""Checks whose findings are about bytes a client reads (not about input the server accepted)."""
USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _suite_reading(exchange: Exchange) -> dict[str, Any] | None:
    from routify_suite.conformance.checks.params import completion_of

    completion, _ = completion_of(exchange)
    if completion is None:
        return None
    usage = completion.usage if isinstance(completion.usage, dict) else None
    return {
        "content": completion.content,
        "tool_calls": [(c["name"], c["arguments"]) for c in completion.tool_calls],
        "finish_reason": completion.finish_reason,
        "usage": {name: usage.get(name) for name in USAGE_FIELDS} if usage else None,
    }


def judge(exchange: Exchange) -> tuple[bool, str]:
    """(breaks the client, what it did), from one replay of the exchange."""
    from routify_suite.conformance.replay import replay

    view = replay(exchange)
    status = exchange.status or 0
    if not 200 <= status < 300:
        if view.status_error == status:
            return False, UNAFFECTED
        what = view.raised or "no exception"
        return True, f"official openai client: {what} for HTTP {status}"
    if view.raised:
        return True, f"official openai client raised {view.raised}"
    suite = _suite_reading(exchange)
    if suite is None:
        return False, UNAFFECTED
    client = {
        "content": view.content,
        "tool_calls": view.tool_calls,
        "finish_reason": view.finish_reason,
        "usage": view.usage,
    }
    differences = [
        f"{name} {client[name]!r} where the suite read {suite[name]!r}"
        for name in client
        if client[name] != suite[name]
    ]
    if differences:
        return True, "official openai client yields " + "; ".join(differences)
    return False, UNAFFECTED


def _evidence(exchange: Exchange) -> tuple[bool, str]:
    if exchange.client_impact is None:
        exchange.client_impact = judge(exchange)
    return exchange.client_impact


def _accepted_input(finding: Finding, exchange: Exchange) -> bool:
    """An error check met by a 2xx: the finding is about input the server took (e.g. a valid key
    without the Bearer scheme), not about bytes a client could misread."""
    status = exchange.status or 0
    return finding.check.split(".")[0] == "error" and 200 <= status < 300


def _replays(finding: Finding) -> bool:
    from routify_suite.conformance.replay import replayable

    return (
        finding.level == SHOULD
        and not finding.optional
        and finding.exchange is not None
        and finding.check.split(".")[0] in REPLAYED_AREAS
        and not _accepted_input(finding, finding.exchange)
        and replayable(finding.exchange)
    )


def server_error_evidence(exchange: Exchange) -> str:
    """What the official client does with a 5xx answer: it retries it (twice by default) and
    then raises InternalServerError (or its 502/503 kin), never the BadRequestError of a 400.
    Replayed with its retries on the recorded answer; empty without the ``openai`` package."""
    from routify_suite.conformance.replay import available, replay, replayable

    if not (available() and replayable(exchange)):
        return ""
    view = replay(exchange, retries=True)
    raised = view.raised.split(":", 1)[0] or "no exception"
    return (
        f"official openai client sent the request {view.attempts} times"
        f" ({view.attempts - 1} retries), then raised {raised}; a 400 raises BadRequestError"
        " at once"
    )


def with_client_evidence(findings: Iterable[Finding]) -> list[Finding]:
    """The findings, each SHOULD one with the official client's verdict on its exchange."""
    findings = list(findings)
    if not any(_replays(f) for f in findings):
        return findings
    from routify_suite.conformance.replay import available

    if not available():
        return findings
    judged = []
    for finding in findings:
        if _replays(finding) and finding.exchange is not None:
            breaks, evidence = _evidence(finding.exchange)
            finding = replace(finding, impact=finding.impact or breaks, evidence=evidence)
        judged.append(finding)
    return judged
