"""The ledger is exact: every cost_usd reported is debited once, even under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from routify_suite.server import RunningServer, running_server
from routify_suite.server.accounts import Account, AccountsFileError, load_accounts, parse_accounts
from routify_suite.server.ledger import Ledger
from routify_suite.server.money import nano_to_decimal, usd_to_nano
from routify_suite.sse import parse_stream
from tests.server_helpers import auth

RICH = "rtf_test_rich"
TIGHT = "rtf_test_tight"
# 14 prompt tokens x 140 + 10 completion tokens x 420 nano-dollars: the cost of one request
# for the spec's example question with max_tokens=10 (replies are always longer than 10 tokens).
CAPPED_COST_NANO = 14 * 140 + 10 * 420


def accounts() -> dict[str, Account]:
    return parse_accounts(
        {
            "accounts": [
                {"key": RICH, "balance_usd": "12.5", "tier": "pro"},
                {"key": TIGHT, "balance_usd": str(nano_to_decimal(5 * CAPPED_COST_NANO))},
            ]
        }
    )


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with running_server(accounts=accounts()) as server:
        yield server


def body(index: int, **fields: Any) -> dict[str, Any]:
    """Distinct requests (distinct prompts and lengths), so costs differ between them."""
    words = " ".join(["word"] * (index % 17))
    return {
        "model": "deepseek-r2-pro" if index % 3 == 0 else "deepseek-v3.2",
        "messages": [{"role": "user", "content": f"Question {index}: {words}?"}],
        **fields,
    }


async def one_request(client: httpx.AsyncClient, index: int) -> Decimal:
    streaming = index % 2 == 0
    payload = body(index, stream=streaming, stream_options={"include_usage": True})
    response = await client.post("/chat/completions", json=payload, headers=auth(RICH))
    assert response.status_code == 200, response.text
    if streaming:
        events = parse_stream(response.content).events
        last = orjson.loads(events[-2].data)
    else:
        last = response.json()
    return Decimal(repr(last["routify"]["cost_usd"]))


@pytest.mark.asyncio
async def test_ledger_exact_under_200_concurrent_requests(server: RunningServer) -> None:
    before = server.state.ledger.balance(RICH)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as client:
        costs = await asyncio.gather(*(one_request(client, i) for i in range(200)))
    decrease = nano_to_decimal(before - server.state.ledger.balance(RICH))
    assert len(set(costs)) > 10  # really different requests
    assert sum(costs, Decimal(0)) == decrease
    assert nano_to_decimal(server.state.ledger.spent(RICH)) == decrease


@pytest.mark.asyncio
async def test_concurrent_requests_never_overdraw(server: RunningServer) -> None:
    payload = {
        "model": "deepseek-v3.2",
        "messages": [
            {"role": "system", "content": "You are concise."},
            {"role": "user", "content": "Capital of France?"},
        ],
        "max_tokens": 10,
    }
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post("/chat/completions", json=payload, headers=auth(TIGHT))
                for _ in range(20)
            )
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 5 + [402] * 15
    assert server.state.ledger.balance(TIGHT) == 0
    assert server.state.ledger.spent(TIGHT) == 5 * CAPPED_COST_NANO


def test_reservation_settles_once() -> None:
    (account,) = parse_accounts({"accounts": [{"key": RICH, "balance_usd": 1}]}).values()
    ledger = Ledger([account])
    assert ledger.reserve(RICH, usd_to_nano(2)) is None
    held = ledger.reserve(RICH, 600)
    assert held is not None
    assert ledger.balance(RICH) == usd_to_nano(1) - 600
    assert held.settle(250) == 250
    assert ledger.balance(RICH) == usd_to_nano(1) - 250
    with pytest.raises(RuntimeError):
        held.settle(1)
    held.release()  # no effect after settling
    assert ledger.spent(RICH) == 250


@pytest.mark.parametrize(
    ("value", "nano"), [(0, 0), ("0.0000028", 2800), (1_000_000, 10**15), (0.5, 500_000_000)]
)
def test_money_is_exact(value: object, nano: int) -> None:
    assert usd_to_nano(value) == nano


def test_cost_float_round_trips_exactly() -> None:
    for nano in (1, 2800, 123_456_789, 10**15 + 7):
        assert Decimal(repr(nano / 10**9)) == nano_to_decimal(nano)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "accounts: required field is missing"),
        ({"accounts": [{"key": RICH, "balance_usd": 1, "teir": "pro"}]}, "accounts[0].teir"),
        ({"accounts": [{"key": "nope", "balance_usd": 1}]}, "accounts[0].key"),
        ({"accounts": [{"key": RICH, "balance_usd": "lots"}]}, "accounts[0].balance_usd"),
        ({"accounts": [{"key": RICH, "balance_usd": -1}]}, "accounts[0].balance_usd"),
        ({"accounts": [{"key": RICH, "balance_usd": 1, "tier": "gold"}]}, "accounts[0].tier"),
        ({"accounts": [{"key": RICH, "balance_usd": 1, "status": "x"}]}, "accounts[0].status"),
        (
            {
                "accounts": [
                    {"key": RICH, "balance_usd": 1, "rate_limit": {"capacity": 0, "per_second": 1}}
                ]
            },
            "accounts[0].rate_limit.capacity",
        ),
        (
            {"accounts": [{"key": RICH, "balance_usd": 1}, {"key": RICH, "balance_usd": 1}]},
            "accounts[1].key",
        ),
    ],
)
def test_bad_accounts_are_named(document: dict[str, Any], field: str) -> None:
    with pytest.raises(AccountsFileError, match=field.replace("[", r"\[")):
        parse_accounts(document)


def test_default_accounts_ship() -> None:
    shipped = load_accounts()
    assert shipped["rtf_local_valid"].tier == "pro"
    assert shipped["rtf_local_valid"].balance_nano == usd_to_nano(1_000_000)
    assert shipped["rtf_local_broke"].balance_nano == 0
    assert shipped["rtf_local_suspended"].status == "suspended"
    assert shipped["rtf_local_basic"].tier == "basic"
    assert shipped["rtf_local_maintenance"].status == "maintenance"
    assert shipped["rtf_local_ratelimited"].rate_limit is not None


def test_unreadable_accounts_file(tmp_path: Any) -> None:
    broken = tmp_path / "accounts.toml"
    broken.write_text("[[accounts]\n")
    with pytest.raises(AccountsFileError, match="not valid TOML"):
        load_accounts(broken)
    with pytest.raises(AccountsFileError, match="cannot read"):
        load_accounts(tmp_path / "missing.toml")
