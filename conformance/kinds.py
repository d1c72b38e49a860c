"""The kinds of exchange the per-check matrices and the snapshots look at.

Each kind is a request built from the target; ``needs`` names a model the target must define,
else every case of the kind is "not exercised".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from routify_suite.conformance import bodies
from routify_suite.conformance.findings import not_exercised
from routify_suite.conformance.plan import Request
from routify_suite.target import Target

if TYPE_CHECKING:
    from routify_suite.conformance.checks.common import Check
    from routify_suite.conformance.exchanges import Exchanges
    from routify_suite.conformance.findings import CaseLog


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    build: Callable[[Target], dict[str, Any]]
    needs: str | None = None
    routify_only: bool = False

    def missing(self, target: Target) -> str | None:
        """Why the target cannot exercise this kind, or None."""
        if self.needs and not target.model(self.needs):
            return f"the target has no models.{self.needs}"
        return None


def _auto(target: Target, **fields: Any) -> dict[str, Any]:
    return bodies.body(target, model=target.models.get("auto", ""), **fields)


RESPONSE_KINDS: tuple[Kind, ...] = (
    Kind("plain", lambda t: bodies.body(t, temperature=0.3, max_tokens=256, stream=False)),
    Kind("minimal", lambda t: bodies.body(t)),
    Kind(
        "multi-turn",
        lambda t: bodies.body(
            t,
            messages=[
                bodies.SYSTEM,
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
                bodies.QUESTION,
            ],
        ),
    ),
    Kind("tool-call", lambda t: bodies.tool_body(t)),
    Kind("json-mode", lambda t: bodies.json_mode_body(t)),
    Kind("auto-model", _auto, needs="auto", routify_only=True),
)

STREAM_KINDS: tuple[Kind, ...] = (
    Kind("plain", lambda t: bodies.stream_body(t, temperature=0.3, max_tokens=256)),
    Kind(
        "include-usage",
        lambda t: bodies.stream_body(t, stream_options={"include_usage": True}),
    ),
    Kind(
        "capped-with-usage",
        lambda t: bodies.stream_body(t, max_tokens=3, stream_options={"include_usage": True}),
    ),
    Kind("tool-call", lambda t: bodies.tool_body(t, stream=True)),
    Kind("json-mode", lambda t: bodies.json_mode_body(t, stream=True)),
    Kind("auto-model", lambda t: _auto(t, stream=True), needs="auto", routify_only=True),
)


def matrix(
    kinds: Iterable[Kind], checks: Iterable[str], only: dict[str, frozenset[str]] | None = None
) -> list[Any]:
    """One case per (kind, check), id "KIND-CHECK"; ``only`` limits a check to some kinds."""
    checks = list(checks)
    return [
        pytest.param(
            kind,
            check,
            id=f"{kind.name}-{check}",
            marks=[pytest.mark.routify_only] if kind.routify_only else [],
        )
        for kind in kinds
        for check in checks
        if only is None or check not in only or kind.name in only[check]
    ]


def kind_request(kind: Kind, family: str, target: Target) -> Request:
    """The one exchange of ``kind`` that every check of the ``family`` matrix reads."""
    return Request(f"{family}:{kind.name}", kind.build(target))


def kind_plan(family: str) -> Callable[..., list[Request]]:
    """The plan of a (kind, check) case: its kind's exchange, if the target can send it."""

    def plan(target: Target, kind: Kind, **_: Any) -> list[Request]:
        return [] if kind.missing(target) else [kind_request(kind, family, target)]

    return plan


def check_kind(
    kind: Kind,
    check: str,
    checks: Mapping[str, Check],
    family: str,
    target: Target,
    exchanges: Exchanges,
    case_log: CaseLog,
) -> None:
    """The body of one (kind, check) case: the kind's exchange, sent once per run and shared by
    its checks, judged by one check; not exercised when the target lacks what the kind needs."""
    missing = kind.missing(target)
    if missing:
        not_exercised(missing)
    exchange = exchanges.get(kind_request(kind, family, target))
    case_log.expect(checks[check](exchange, target), checked=[check])
