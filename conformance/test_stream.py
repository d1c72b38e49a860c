"""Streaming: each kind of stream, one check per case."""

from __future__ import annotations

import pytest

from routify_suite.conformance.checks.stream import STREAM_CHECKS
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog
from routify_suite.conformance.kinds import STREAM_KINDS, Kind, check_kind, kind_plan, matrix
from routify_suite.conformance.plan import planned
from routify_suite.target import Target

pytestmark = pytest.mark.stream

USAGE_KINDS = frozenset({"include-usage", "capped-with-usage"})
"""stream.usage only means something where the request asks for usage."""

CASES = matrix(STREAM_KINDS, STREAM_CHECKS, only={"stream.usage": USAGE_KINDS})


@planned(kind_plan("stream"))
@pytest.mark.parametrize(("kind", "check"), CASES)
def test_stream(
    kind: Kind, check: str, target: Target, exchanges: Exchanges, case_log: CaseLog
) -> None:
    check_kind(kind, check, STREAM_CHECKS, "stream", target, exchanges, case_log)
