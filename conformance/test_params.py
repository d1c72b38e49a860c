"""Parameters: each accepted at its valid values and boundaries, rejected with 400 outside them.

The cases are data (fixtures/requests/parameters.json); an accepted request must also be a
conforming response, so every response check runs on it too.
"""

from __future__ import annotations

import pytest

from routify_suite.conformance.bodies import ParameterCase, parameter_cases
from routify_suite.conformance.checks.common import finding
from routify_suite.conformance.checks.errors import server_error_findings
from routify_suite.conformance.checks.response import all_response_findings
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog, Finding, not_exercised
from routify_suite.conformance.plan import Request, planned
from routify_suite.target import Target

pytestmark = pytest.mark.params


def _param(case: ParameterCase) -> pytest.ParameterSet:
    marks = [pytest.mark.routify_only] if case.routify_only else []
    return pytest.param(case, id=case.id, marks=marks)


ACCEPTED = [_param(case) for case in parameter_cases() if case.expect == "accept"]
REJECTED = [_param(case) for case in parameter_cases() if case.expect == "reject"]


def _request(case: ParameterCase, target: Target) -> Request:
    """The case's body under the label ``accepted:ID`` / ``rejected:ID``."""
    missing = case.missing(target)
    if missing:
        not_exercised(f"the target has no {missing}")
    label = "accepted" if case.expect == "accept" else "rejected"
    return Request(f"{label}:{case.id}", case.build(target))


def _plan(target: Target, case: ParameterCase) -> list[Request]:
    return [] if case.missing(target) else [_request(case, target)]


@planned(_plan)
@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted(
    case: ParameterCase, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_request(case, target))
    found = []
    if exchange.failure is None and exchange.status != 200:
        expected = f"HTTP 200 for {case.set}"
        found = server_error_findings(exchange, expected) or [
            finding(exchange, "params.accepted", expected, exchange.summary())
        ]
    else:
        found.extend(all_response_findings(exchange, target))
    case_log.expect(found, checked=["params.accepted", "params.server-error"])


@planned(_plan)
@pytest.mark.parametrize("case", REJECTED)
def test_rejected(
    case: ParameterCase, exchanges: Exchanges, target: Target, case_log: CaseLog
) -> None:
    exchange = exchanges.get(_request(case, target))
    found = rejection(case, exchange)
    # The envelope and content type of the 400 are checked for every non-2xx (ambient).
    checked = [CHECK_OF[case.openai_only], "params.server-error"]
    case_log.expect(found, checked=[*checked, "error.envelope", "error.content-type"])


CHECK_OF = {False: "params.rejected", True: "params.rejected-openai"}


def rejection(case: ParameterCase, exchange: Exchange) -> list[Finding]:
    """HTTP 400 for the invalid body: params.rejected where the page says so, else the SHOULD
    params.rejected-openai (no client acts on a server accepting more than OpenAI does); a 5xx
    is params.server-error whichever the body (rejecting it with a 500 is no way to accept it)."""
    if exchange.failure is not None:
        return [finding(exchange, exchange.failure[0], "a response", exchange.failure[1])]
    if exchange.status == 400:
        return []
    what = case.raw if case.raw is not None else case.set or f"without {', '.join(case.unset)}"
    expected = f"HTTP 400 for the invalid body ({what!r})"
    server_error = server_error_findings(exchange, expected)
    if server_error:
        return server_error
    if case.openai_only:
        got = exchange.summary()
        return [finding(exchange, "params.rejected-openai", expected, got, impact=False)]
    return [finding(exchange, "params.rejected", expected, exchange.summary())]
