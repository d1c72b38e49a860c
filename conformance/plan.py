"""What each case will send, known before it runs, so the exchanges can go out concurrently.

A case names its exchanges as :class:`Request` values and asks :class:`~routify_suite.
conformance.exchanges.Exchanges` for them; the same values, produced by a plan function attached
with :func:`planned`, let the session send every exchange ahead of the cases, with a bound on
how many are in flight. A request that depends on another's answer is a :class:`Then`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from routify_suite.target import Target

if TYPE_CHECKING:
    from routify_suite.conformance.exchange import Exchange


@dataclass(frozen=True)
class Request:
    """One exchange as a case needs it.

    Requests that send the same thing (body, key, headers) are one exchange, sent once per run
    and read by every case that names it, whatever their labels; ``repeat`` tells apart the
    sendings of a case that must send the same request again (the rate-limit case).
    """

    label: str
    """What the request is for, in the suite's words (not part of its identity)."""
    body: Any
    """A JSON body, or raw bytes sent as they are."""
    key: str | None = ""
    """``""``: the target's valid key; None: no Authorization header."""
    headers: tuple[tuple[str, str], ...] = ()
    copies: int = 1
    """More than 1: that many identical requests sent at the same moment (concurrency cases)."""
    judge_rate_limit: bool = False
    """True only where a 429 is what the case looks for; elsewhere a 429 is retried."""
    repeat: int = 0
    ident: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        body = ["raw", self.body.decode("latin-1")] if isinstance(self.body, bytes) else self.body
        sent = [body, self.key, list(self.headers), self.copies, self.judge_rate_limit, self.repeat]
        object.__setattr__(self, "ident", json.dumps(sent, sort_keys=True))

    @property
    def streams(self) -> bool:
        return isinstance(self.body, dict) and self.body.get("stream") is True


@dataclass(frozen=True)
class Then:
    """A request sent once ``first`` has an answer, built from it (None: nothing to send)."""

    first: Request
    then: Callable[[Exchange], Request | None]


Plan = Callable[..., Iterable[Request | Then]]
F = TypeVar("F", bound=Callable[..., Any])
PLAN_ATTRIBUTE = "routify_plan"


def planned(plan: Plan) -> Callable[[F], F]:
    """Attach ``plan(target, **case_parameters)``: the requests the case will ask for."""

    def attach(case: F) -> F:
        setattr(case, PLAN_ATTRIBUTE, plan)
        return case

    return attach


def plan_of(item: pytest.Item, target: Target) -> list[Request | Then]:
    """The requests ``item`` will send; none when it has no plan or will not send any.

    A plan that cannot be worked out here (the case will be "not exercised", or raise) plans
    nothing: the case then sends, or fails, on its own when it runs.
    """
    plan = getattr(getattr(item, "function", None), PLAN_ATTRIBUTE, None)
    if plan is None:
        return []
    params = dict(getattr(getattr(item, "callspec", None), "params", {}))
    try:
        return [request for request in plan(target, **params) if request is not None]
    except (pytest.skip.Exception, Exception):
        return []
