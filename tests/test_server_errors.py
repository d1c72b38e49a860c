"""Every error code of the spec, provoked through the default accounts and test models."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from routify_suite.schemas import RESPONSE, violations
from routify_suite.server import RunningServer, running_server
from routify_suite.server.accounts import RateLimit
from routify_suite.server.ratelimit import RateLimiter, format_duration
from tests.server_helpers import auth, chat
from tests.test_server_api import assert_error


@pytest.fixture
def client(reference_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reference_server.base_url, timeout=10) as client:
        yield client


def post(client: httpx.Client, key: str, **fields: object) -> httpx.Response:
    model = str(fields.pop("model", "deepseek-v3.2"))
    return client.post("/chat/completions", json=chat(model, **fields), headers=auth(key))


def test_402_when_balance_cannot_cover(client: httpx.Client) -> None:
    assert_error(post(client, "rtf_local_broke"), 402, "insufficient_balance")


def test_403_suspended(client: httpx.Client) -> None:
    assert_error(post(client, "rtf_local_suspended"), 403, "account_suspended")


def test_403_tier_and_fine_on_allowed_model(client: httpx.Client) -> None:
    error = assert_error(
        post(client, "rtf_local_basic", model="deepseek-r2-pro"), 403, "model_not_allowed"
    )
    assert error["param"] == "model"
    assert post(client, "rtf_local_basic").status_code == 200
    assert post(client, "rtf_local_valid", model="deepseek-r2-pro").status_code == 200


def test_429_within_ten_rapid_requests(client: httpx.Client) -> None:
    statuses = []
    for _ in range(10):
        response = post(client, "rtf_local_ratelimited")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, statuses
    assert_error(response, 429, "rate_limit_exceeded")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-limit-requests"] == "3"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert response.headers["x-ratelimit-reset-requests"]


def test_500_internal_error(client: httpx.Client) -> None:
    assert_error(post(client, "rtf_local_valid", model="test-internal-error"), 500)


def test_502_when_all_channels_fail(client: httpx.Client) -> None:
    error = assert_error(
        post(client, "rtf_local_valid", model="test-upstream-down"), 502, "all_channels_failed"
    )
    assert "dead-primary" in error["message"]


def test_503_maintenance(client: httpx.Client) -> None:
    response = post(client, "rtf_local_maintenance")
    assert_error(response, 503, "maintenance")
    assert int(response.headers["retry-after"]) > 0


def test_failover_is_reported(client: httpx.Client) -> None:
    response = post(client, "rtf_local_valid", model="test-failover")
    assert response.status_code == 200
    body = response.json()
    assert violations(RESPONSE, body) == []
    assert body["routify"]["channel"] == "steady-backup"
    assert body["routify"]["failed_channels"] == ["flaky-primary"]


def test_failed_requests_cost_nothing() -> None:
    with running_server() as server, httpx.Client(base_url=server.base_url) as client:
        before = server.state.ledger.balance("rtf_local_valid")
        for model in ("test-internal-error", "test-upstream-down", "no-such-model"):
            assert post(client, "rtf_local_valid", model=model).status_code >= 400
        assert post(client, "rtf_local_valid", temperature=9).status_code == 400
        assert server.state.ledger.balance("rtf_local_valid") == before
        assert server.state.ledger.spent("rtf_local_valid") == 0


def test_region_picks_its_channel(client: httpx.Client) -> None:
    body = post(client, "rtf_local_valid", routify={"region": "eu-west"}).json()
    assert body["routify"]["channel"] == "azure-eu-west"
    assert "failed_channels" not in body["routify"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"k": RateLimit(capacity=2, per_second=0.5), "free": None}, clock)
    assert limiter.check("free") is None
    decisions = [limiter.check("k") for _ in range(3)]
    assert [d.allowed for d in decisions if d] == [True, True, False]
    third = decisions[2]
    assert third is not None
    assert third.headers["retry-after"] == "2"
    assert third.headers["x-ratelimit-reset-requests"] == "2s"
    clock.now += 1.9
    assert not limiter.check("k").allowed  # type: ignore[union-attr]
    clock.now += 0.2
    decision = limiter.check("k")
    assert decision is not None
    assert decision.allowed


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0001, "1ms"), (0.25, "250ms"), (1, "1s"), (61, "1m1s"), (360, "6m0s")]
)
def test_reset_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
