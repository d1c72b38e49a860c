"""Checks of error responses: status for the condition, envelope, content type, Retry-After."""

from __future__ import annotations

from collections.abc import Collection
from email.utils import parsedate_to_datetime
from typing import Any

from routify_suite import schemas
from routify_suite.conformance.checks.common import finding, transport
from routify_suite.conformance.exchange import Exchange
from routify_suite.conformance.findings import Finding


def envelope_findings(exchange: Exchange) -> list[Finding]:
    """What every non-2xx must carry: a JSON content type and the error envelope."""
    found = []
    if exchange.media_type != "application/json":
        got = exchange.content_type or "(none)"
        found.append(finding(exchange, "error.content-type", "Content-Type application/json", got))
    ok, value = exchange.document
    if not ok:
        got = f"not JSON ({value}): {exchange.body_excerpt(120)!r}"
        found.append(finding(exchange, "error.envelope", "an error envelope", got))
        return found
    for violation in schemas.violations(schemas.ERROR, value):
        found.append(
            finding(
                exchange,
                "error.envelope",
                f"a valid error envelope at {violation.path}",
                violation.message,
                rule=violation.rule,
                impact=not (violation.omits_nullable or _untyped_code(violation, value)),
            )
        )
    return found


def _untyped_code(violation: schemas.SchemaViolation, document: Any) -> bool:
    """An integer ``error.code``: OpenAI's is a string, but clients pass it through untyped."""
    error = document.get("error") if isinstance(document, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return (
        violation.path == "$.error.code"
        and violation.keyword == "type"
        and isinstance(code, int)
        and not isinstance(code, bool)
    )


def status_findings(exchange: Exchange, expected: Collection[int], condition: str) -> list[Finding]:
    """The status the condition calls for (errors before a stream starts are JSON, not SSE)."""
    failed = transport(exchange)
    if failed:
        return failed
    if exchange.status in expected:
        return []
    wanted = " or ".join(str(code) for code in sorted(expected))
    return [finding(exchange, "error.status", f"HTTP {wanted} for {condition}", exchange.summary())]


def error_findings(exchange: Exchange, expected: Collection[int], condition: str) -> list[Finding]:
    """Status, then (for any non-2xx) the envelope and content type."""
    found = status_findings(exchange, expected, condition)
    if exchange.status is not None and not 200 <= exchange.status < 300:
        found.extend(envelope_findings(exchange))
    return found


def server_error_findings(exchange: Exchange, expected: str) -> list[Finding]:
    """A 5xx for a body the suite sent, where a 2xx or a 400 is due: always a fail (the page's
    500 is an internal error, a rejected body is a 400), with what the official client does."""
    from routify_suite.conformance.client_impact import server_error_evidence

    if exchange.failure is not None or (exchange.status or 0) < 500:
        return []
    return [
        finding(
            exchange,
            "params.server-error",
            expected,
            exchange.summary(),
            evidence=server_error_evidence(exchange),
        )
    ]


def retry_after_findings(exchange: Exchange) -> list[Finding]:
    """A 429 should say when to retry: absent is non-strict, present must parse."""
    value = exchange.headers.get("retry-after")
    if value is None:
        return [
            finding(
                exchange,
                "error.retry-after",
                "a Retry-After header on 429",
                "no Retry-After",
                impact=False,
            )
        ]
    text = value.strip()
    if text.isdigit():
        return []
    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError):
        expected = "Retry-After: delay-seconds or an HTTP-date"
        return [finding(exchange, "error.retry-after", expected, f"Retry-After: {value!r}")]
    return []
