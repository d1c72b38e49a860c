"""Response shape: each kind of non-streaming response, one check per case."""

from __future__ import annotations

import pytest

from routify_suite.conformance.checks.response import RESPONSE_CHECKS
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog
from routify_suite.conformance.kinds import RESPONSE_KINDS, Kind, check_kind, kind_plan, matrix
from routify_suite.conformance.plan import planned
from routify_suite.target import Target

pytestmark = pytest.mark.response

CASES = matrix(RESPONSE_KINDS, RESPONSE_CHECKS)


@planned(kind_plan("response"))
@pytest.mark.parametrize(("kind", "check"), CASES)
def test_response(
    kind: Kind, check: str, target: Target, exchanges: Exchanges, case_log: CaseLog
) -> None:
    check_kind(kind, check, RESPONSE_CHECKS, "response", target, exchanges, case_log)
