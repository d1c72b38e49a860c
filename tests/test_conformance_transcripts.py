"""The stream checks against recorded streams: legal variants pass, broken ones name their check.

File names carry the expectation: ``legal-*.sse`` must give no finding under any chunking,
``broken--CHECK--what.sse`` must give a strict finding of CHECK, ``nonstrict--CHECK--what.sse``
only lenient ones, CHECK among them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from routify_suite.conformance.checks.stream import STREAM_CHECKS, all_stream_findings
from routify_suite.conformance.findings import Finding
from routify_suite.conformance.registry import CHECKS
from tests.conformance_helpers import local_target, stream_exchange, transcripts

LEGAL = transcripts("legal-")
BROKEN = transcripts("broken--")
NON_STRICT = transcripts("nonstrict--")


def _expected_check(path: Path) -> str:
    return path.name.split("--")[1]


def _render(findings: list[Finding]) -> str:
    return "\n".join(f.message() for f in findings)


def test_there_are_enough_transcripts() -> None:
    assert len(LEGAL) >= 8
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", LEGAL, ids=lambda p: p.stem)
@pytest.mark.parametrize("chunk_size", [1, 3, 64, None], ids=lambda s: f"chunks-{s or 'whole'}")
def test_legal_stream_passes_every_check(path: Path, chunk_size: int | None) -> None:
    exchange = stream_exchange(path.read_bytes(), chunk_size)
    findings = all_stream_findings(exchange, local_target())
    assert findings == [], _render(findings)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_stream_fails_its_check(path: Path) -> None:
    check = _expected_check(path)
    assert check in CHECKS
    for chunk_size in (1, None):
        findings = all_stream_findings(
            stream_exchange(path.read_bytes(), chunk_size), local_target()
        )
        assert check in {f.check for f in findings if f.strict}, _render(findings)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_stream_is_caught_by_its_own_case(path: Path) -> None:
    """The one-check-per-case matrix: the case of that check alone fails."""
    check = _expected_check(path)
    findings = STREAM_CHECKS[check](stream_exchange(path.read_bytes()), local_target())
    assert any(f.check == check and f.strict for f in findings), _render(findings)


@pytest.mark.parametrize("path", NON_STRICT, ids=lambda p: p.stem)
def test_tolerated_deviation_is_non_strict(path: Path) -> None:
    findings = all_stream_findings(stream_exchange(path.read_bytes()), local_target())
    assert findings
    assert not [f for f in findings if f.strict], _render(findings)
    assert _expected_check(path) in {f.check for f in findings}


@pytest.mark.parametrize(
    "content_type",
    ["text/event-stream", "text/event-stream; charset=utf-8", "Text/Event-Stream;charset=UTF-8"],
)
def test_event_stream_content_type_with_parameters_passes(content_type: str) -> None:
    data = (LEGAL[0]).read_bytes()
    exchange = stream_exchange(data, content_type=content_type)
    assert STREAM_CHECKS["stream.content-type"](exchange, local_target()) == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
def test_other_content_type_fails(content_type: str) -> None:
    exchange = stream_exchange(LEGAL[0].read_bytes(), content_type=content_type)
    [finding] = STREAM_CHECKS["stream.content-type"](exchange, local_target())
    assert finding.check == "stream.content-type"
    assert finding.request_id == "req_recorded"


def test_openai_profile_makes_the_routify_block_optional() -> None:
    [missing] = [p for p in BROKEN if "no-routify-block" in p.name]
    exchange = stream_exchange(missing.read_bytes())
    assert [f for f in all_stream_findings(exchange, local_target("routify")) if f.strict]
    assert all_stream_findings(exchange, local_target("openai")) == []
    [broken] = [p for p in BROKEN if "negative-latency" in p.name]
    lenient = all_stream_findings(stream_exchange(broken.read_bytes()), local_target("openai"))
    assert lenient
    assert not [f for f in lenient if f.strict]


def test_usage_not_requested_is_not_required() -> None:
    [path] = [p for p in BROKEN if "no-usage-chunk" in p.name]
    request = {"model": "m", "messages": [], "stream": True, "max_tokens": 6}
    exchange = stream_exchange(path.read_bytes(), request=request)
    assert all_stream_findings(exchange, local_target()) == []
