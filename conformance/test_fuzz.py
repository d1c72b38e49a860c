"""Generated requests (``--fuzz N``): valid ones must be answered 2xx and conform, invalid 400.

Collected only when the run asks for them (``--fuzz``, the target's ``fuzz``, or ``--replay``).
Each case is one draw of the seed (conformance/fuzz.py), planned like every other case, so it
goes through the same pool, timeouts and 429 handling. A valid body is judged by every response
or stream check; an invalid one (one breakage, conformance/breakages.py) must get a 400 with
the error envelope: never a 5xx, never a 2xx where the page rules it out, and a 2xx is
non-strict where only OpenAI rejects it. A failing draw is shrunk to the smallest that still
fails the same check, and only that one is reported, with its curl reproducer.
"""

from __future__ import annotations

from typing import Any

import pytest

from routify_suite.conformance.breakages import breakage_named
from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.checks.errors import envelope_findings, server_error_findings
from routify_suite.conformance.checks.response import all_response_findings
from routify_suite.conformance.checks.stream import all_stream_findings
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog, Finding, not_exercised
from routify_suite.conformance.fuzz import INVALID, VALID, FuzzCase, ShrinkBudget, shrink
from routify_suite.conformance.fuzz_session import PLUGIN_NAME
from routify_suite.conformance.plan import Request, planned
from routify_suite.target import Target

pytestmark = pytest.mark.fuzz


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "fuzz_case" not in metafunc.fixturenames:
        return
    fuzz = metafunc.config.pluginmanager.get_plugin(PLUGIN_NAME)
    kind = VALID if metafunc.function.__name__ == "test_valid" else INVALID
    cases = fuzz.settings.cases(kind) if fuzz else []
    metafunc.parametrize("fuzz_case", cases, ids=[str(case.index) for case in cases])


def _request(case: FuzzCase, body: Any) -> Request:
    return Request(f"fuzz:{case.kind}:{case.index}", body)


def _plan(target: Target, fuzz_case: FuzzCase) -> list[Request]:
    return [_request(fuzz_case, fuzz_case.draw(target)[1])]


@pytest.fixture(scope="session")
def shrink_budget() -> ShrinkBudget:
    return ShrinkBudget()


def valid_findings(exchange: Exchange, target: Target) -> list[Finding]:
    """A 200 judged by every check of its kind (response or stream); a 5xx is
    params.server-error, any other status params.accepted."""
    if exchange.failure is None and exchange.status != 200:
        expected = "HTTP 200 for a valid request"
        found = server_error_findings(exchange, expected) or [
            finding(exchange, "params.accepted", expected, exchange.summary())
        ]
        return found + envelope_findings(exchange)
    if exchange.wants_stream:
        return all_stream_findings(exchange, target)
    return all_response_findings(exchange, target)


CONTEXT_WORDS = ("context length", "context size", "context window")


def over_context(exchange: Exchange) -> bool:
    """A 400 that says the request exceeds the model's context window (OpenAI's code
    ``context_length_exceeded``; llama.cpp's ``exceed_context_size_error``...): a limit of the
    model, not a deviation, so a generated request too long for it is not judged."""
    if exchange.status != 400:
        return False
    ok, document = exchange.document
    error = document.get("error") if ok and isinstance(document, dict) else None
    if not isinstance(error, dict):
        return False
    said = " ".join(str(error.get(name, "")) for name in ("code", "type", "message"))
    said = said.lower().replace("_", " ")
    return any(word in said for word in CONTEXT_WORDS)


def invalid_findings(breaks: str, exchange: Exchange) -> list[Finding]:
    """A 400 with the envelope. A 5xx is params.server-error whoever forbids the body; a 2xx
    or another 4xx fails where the page forbids it (params.rejected) and is non-strict where
    only OpenAI does (params.rejected-openai)."""
    if exchange.failure is not None:
        return [finding(exchange, exchange.failure[0], "a response", exchange.failure[1])]
    status = exchange.status or 0
    found = [] if 200 <= status < 300 else envelope_findings(exchange)
    if status == 400:
        return found
    breakage = breakage_named(breaks)
    expected = f"HTTP 400 for an invalid body ({breakage.what})"
    server_error = server_error_findings(exchange, expected)
    if server_error:
        return server_error + found
    check = "params.rejected-openai" if breakage.openai_only else "params.rejected"
    impact = not breakage.openai_only
    return [finding(exchange, check, expected, exchange.summary(), impact=impact), *found]


def judge(case: FuzzCase, breaks: str, exchange: Exchange, target: Target) -> list[Finding]:
    if case.kind == VALID:
        return valid_findings(exchange, target)
    return invalid_findings(breaks, exchange)


def run_generated(
    case: FuzzCase,
    target: Target,
    exchanges: Exchanges,
    case_log: CaseLog,
    budget: ShrinkBudget,
) -> None:
    """Send (or take the prefetched) draw, judge it, shrink a failure, report the smallest."""
    breaks, body = case.draw(target)
    exchange = exchanges.pool.get(_request(case, body))
    assert isinstance(exchange, Exchange)
    if case.kind == VALID and over_context(exchange):
        exchanges.get(_request(case, body))  # its transcript, for the report
        not_exercised(f"the request exceeds the model's context window ({exchange.summary()})")
    found = judge(case, breaks, exchange, target)
    failing = [f for f in found if f.fails(target.strict)]
    record: dict[str, Any] = {
        "kind": case.kind,
        "index": case.index,
        "seed": case.seed,
        "count": case.count,
        "breaks": breaks,
        "body": body,
    }
    if failing and case.replayed is None:
        check = failing[0].check

        def still_fails(value: tuple[str, Any]) -> bool:
            again = exchanges.pool.get(_request(case, value[1]))
            assert isinstance(again, Exchange)
            if case.kind == VALID and over_context(again):
                return False
            judged = judge(case, value[0], again, target)
            return any(f.check == check and f.fails(target.strict) for f in judged)

        shrunk = shrink(case, target, still_fails, budget)
        if shrunk.value[1] != body:
            record.update(breaks=shrunk.value[0], body=shrunk.value[1], drawn=body)
        record["shrink"] = {
            "check": check,
            "requests": shrunk.requests,
            "seconds": round(shrunk.seconds, 2),
            "complete": shrunk.complete,
        }
    case_log.generated = record
    exchange = exchanges.get(_request(case, record["body"]))  # reported to the case: the smallest
    case_log.reproduce = exchange
    checked = _checks(record["breaks"])
    case_log.expect(judge(case, record["breaks"], exchange, target), checked=checked)


def _checks(breaks: str) -> list[str]:
    """The checks a generated case runs by design (for the report row of a passing case)."""
    if not breaks:
        return ["params.accepted", "params.server-error"]
    rejected = "params.rejected-openai" if breakage_named(breaks).openai_only else "params.rejected"
    return [rejected, "params.server-error", "error.envelope", "error.content-type"]


def _generated_test(kind: str) -> Any:
    """``test_valid`` or ``test_invalid``: one case per draw of that kind."""

    @planned(_plan)
    def test(
        fuzz_case: FuzzCase,
        target: Target,
        exchanges: Exchanges,
        case_log: CaseLog,
        shrink_budget: ShrinkBudget,
    ) -> None:
        run_generated(fuzz_case, target, exchanges, case_log, shrink_budget)

    test.__name__ = test.__qualname__ = f"test_{kind}"
    return test


test_valid = _generated_test(VALID)
test_invalid = _generated_test(INVALID)
