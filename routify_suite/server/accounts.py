"""Accounts from a TOML file: who may call, with what balance, tier, status and rate limit.

The file is the server's only configuration of callers, so a broken one is reported as one
line naming the account and field (:class:`AccountsFileError`), never a traceback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from routify_suite.paths import FIXTURES_DIR
from routify_suite.server.money import usd_to_nano

DEFAULT_ACCOUNTS_FILE: Final = FIXTURES_DIR / "accounts" / "default.toml"
TIERS: Final = ("basic", "pro")
STATUSES: Final = ("active", "suspended", "maintenance")


class AccountsFileError(ValueError):
    """The accounts file cannot be used; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``capacity`` requests at once, refilled at ``per_second``."""

    capacity: int
    per_second: float


@dataclass(frozen=True, slots=True)
class Account:
    key: str
    name: str
    balance_nano: int
    tier: str
    status: str
    rate_limit: RateLimit | None


def load_accounts(path: Path | str | None = None) -> dict[str, Account]:
    """Read an accounts file (default: the shipped one) into accounts by key."""
    path = Path(path) if path is not None else DEFAULT_ACCOUNTS_FILE
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise AccountsFileError(f"cannot read accounts file {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise AccountsFileError(f"accounts file {path} is not valid TOML: {error}") from error
    return parse_accounts(document, source=str(path))


def parse_accounts(document: dict[str, Any], source: str = "accounts") -> dict[str, Account]:
    """Build accounts from a parsed ``[[accounts]]`` document, checking every field."""
    entries = document.get("accounts")
    if not isinstance(entries, list) or not entries:
        raise AccountsFileError(f"{source}: expected at least one [[accounts]] table")
    accounts: dict[str, Account] = {}
    for index, entry in enumerate(entries):
        where = f"{source}: accounts[{index}]"
        if not isinstance(entry, dict):
            raise AccountsFileError(f"{where}: expected a table")
        account = _parse_account(entry, where)
        if account.key in accounts:
            raise AccountsFileError(f"{where}.key: duplicate key ({account.name})")
        accounts[account.key] = account
    return accounts


def _parse_account(entry: dict[str, Any], where: str) -> Account:
    key = entry.get("key")
    if not isinstance(key, str) or not key.startswith("rtf_") or len(key) < 8:
        raise AccountsFileError(f"{where}.key: expected a string starting with 'rtf_'")
    name = entry.get("name", f"account {where.rsplit('[', 1)[-1].rstrip(']')}")
    if not isinstance(name, str) or not name:
        raise AccountsFileError(f"{where}.name: expected a non-empty string")
    try:
        balance = usd_to_nano(entry.get("balance_usd"))
    except ValueError as error:
        raise AccountsFileError(f"{where}.balance_usd: {error}") from error
    if balance < 0:
        raise AccountsFileError(f"{where}.balance_usd: must not be negative")
    tier = entry.get("tier", "basic")
    if tier not in TIERS:
        raise AccountsFileError(f"{where}.tier: expected one of {', '.join(TIERS)}")
    status = entry.get("status", "active")
    if status not in STATUSES:
        raise AccountsFileError(f"{where}.status: expected one of {', '.join(STATUSES)}")
    return Account(
        key=key,
        name=name,
        balance_nano=balance,
        tier=tier,
        status=status,
        rate_limit=_parse_rate_limit(entry.get("rate_limit"), f"{where}.rate_limit"),
    )


def _parse_rate_limit(value: Any, where: str) -> RateLimit | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AccountsFileError(f"{where}: expected a table {{ capacity, per_second }}")
    capacity, per_second = value.get("capacity"), value.get("per_second")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise AccountsFileError(f"{where}.capacity: expected a positive integer")
    if not isinstance(per_second, int | float) or isinstance(per_second, bool) or per_second <= 0:
        raise AccountsFileError(f"{where}.per_second: expected a positive number")
    return RateLimit(capacity=capacity, per_second=float(per_second))
