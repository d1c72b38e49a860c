"""Response shape: each kind of non-streaming response, one check per case."""

from __future__ import annotations

import pytest

from conformance.checks.response import RESPONSE_CHECKS
from conformance.client import Exchanges
from conformance.findings import CaseLog
from conformance.kinds import RESPONSE_KINDS, Kind, check_kind, matrix
from conformance.target import Target

pytestmark = pytest.mark.response

CASES = matrix(RESPONSE_KINDS, RESPONSE_CHECKS)


@pytest.mark.parametrize(("kind", "check"), CASES)
def test_response(
    kind: Kind, check: str, target: Target, exchanges: Exchanges, case_log: CaseLog
) -> None:
    check_kind(kind, check, RESPONSE_CHECKS, "response", target, exchanges, case_log)
