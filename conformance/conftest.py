"""Fixtures of the conformance cases: the target, the client, the case log, cached exchanges.

They live here, not in the plugin, so they exist only where the suite is collected. The target
is probed first (one request with the valid key and default model); then, with a concurrency
above 1, every exchange the collected cases plan is sent ahead of them, and the cases judge the
results as they run in their usual order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from routify_suite.conformance.client import ConformanceClient, Timeouts, log_observer
from routify_suite.conformance.client_impact import with_client_evidence
from routify_suite.conformance.exchanges import Exchanges
from routify_suite.conformance.findings import CaseLog
from routify_suite.conformance.options import option, resolve_target, seconds
from routify_suite.conformance.plan import plan_of
from routify_suite.conformance.plugin import CASE_LOG, is_case
from routify_suite.conformance.pool import ExchangePool
from routify_suite.target import Target

STREAM_DEADLINE_S = 60.0


class CurrentCase:
    """The log of the case running now; the session-wide client reports into it."""

    log: CaseLog | None = None


@pytest.fixture(scope="session")
def current_case() -> CurrentCase:
    return CurrentCase()


@pytest.fixture(scope="session")
def timeouts(pytestconfig: pytest.Config) -> Timeouts:
    idle = seconds(pytestconfig, "routify_stream_idle_timeout")
    return Timeouts(
        connect=seconds(pytestconfig, "routify_connect_timeout"),
        request=seconds(pytestconfig, "routify_request_timeout"),
        stream_idle=idle,
        stream_deadline=max(STREAM_DEADLINE_S, idle * 3),
    )


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config, timeouts: Timeouts) -> Iterator[Target]:
    """The target the options name; without --target or --base-url, the embedded server."""
    session = pytestconfig.pluginmanager.get_plugin("routify-conformance-session")
    if option(pytestconfig, "routify_target") or option(pytestconfig, "routify_base_url"):
        resolved = resolve_target(pytestconfig)  # probed by the plugin after collection
        session.target = resolved
        yield resolved
        return
    from routify_suite.server import running_server

    with running_server() as server:
        resolved = resolve_target(pytestconfig, base_url=server.base_url)
        session.target = resolved
        yield resolved


@pytest.fixture(scope="session")
def api(
    target: Target, timeouts: Timeouts, current_case: CurrentCase
) -> Iterator[ConformanceClient]:
    """The session's client; cases read its exchanges through :func:`exchanges`, which
    reports each to the case that reads it (so the client itself reports to no case)."""
    client = ConformanceClient(target, timeouts)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(autouse=True)
def case_log(
    request: pytest.FixtureRequest, current_case: CurrentCase, target: Target
) -> Iterator[CaseLog]:
    log = CaseLog(strict=target.strict)
    log.evidence = with_client_evidence
    log.lenient = not target.strict_routify and request.node.get_closest_marker("routify_only")
    request.node.stash[CASE_LOG] = log
    current_case.log = log
    try:
        yield log
    finally:
        current_case.log = None


@pytest.fixture(scope="session")
def exchange_pool(
    request: pytest.FixtureRequest, api: ConformanceClient, target: Target
) -> Iterator[ExchangePool]:
    """The run's exchanges; with a concurrency above 1, every planned one is sent right away."""
    session = request.config.pluginmanager.get_plugin("routify-conformance-session")
    pool = ExchangePool(api, target.concurrency, deadline=session.deadline)
    try:
        if target.concurrency > 1:
            items = [item for item in request.session.items if is_case(item)]
            pool.prefetch(planned for item in items for planned in plan_of(item, target))
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def exchanges(exchange_pool: ExchangePool, current_case: CurrentCase, target: Target) -> Exchanges:
    return Exchanges(exchange_pool, log_observer(lambda: current_case.log, target))
