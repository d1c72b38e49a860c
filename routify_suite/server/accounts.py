"""Accounts from a TOML file: who may call, with what balance, tier, status and rate limit.

The file is the server's only configuration of callers, so a broken one is reported as one
line naming the account and field (:class:`AccountsFileError`), never a traceback; its shape,
unknown keys included, is checked by the shared loader against schemas/files/accounts.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from routify_suite.config_files import ConfigFileError, load_file, parse_document
from routify_suite.paths import FIXTURES_DIR
from routify_suite.server.money import usd_to_nano

DEFAULT_ACCOUNTS_FILE: Final = FIXTURES_DIR / "accounts" / "default.toml"
TIERS: Final = ("basic", "pro")
STATUSES: Final = ("active", "suspended", "maintenance")


class AccountsFileError(ConfigFileError):
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
    return parse_accounts(load_file(path, "accounts", AccountsFileError), source=str(path))


def parse_accounts(document: dict[str, Any], source: str = "accounts") -> dict[str, Account]:
    """Build accounts from a parsed ``[[accounts]]`` document (schemas/files/accounts.json)."""
    parse_document(document, "accounts", source, AccountsFileError)
    accounts: dict[str, Account] = {}
    for index, entry in enumerate(document["accounts"]):
        where = f"{source}: accounts[{index}]"
        account = _parse_account(entry, index, where)
        if account.key in accounts:
            raise AccountsFileError(f"{where}.key: duplicate key ({account.name})")
        accounts[account.key] = account
    return accounts


def _parse_account(entry: dict[str, Any], index: int, where: str) -> Account:
    try:
        balance = usd_to_nano(entry["balance_usd"])
    except ValueError as error:
        raise AccountsFileError(f"{where}.balance_usd: {error}") from error
    limit = entry.get("rate_limit")
    return Account(
        key=entry["key"],
        name=entry.get("name", f"account {index}"),
        balance_nano=balance,
        tier=entry.get("tier", "basic"),
        status=entry.get("status", "active"),
        rate_limit=RateLimit(limit["capacity"], float(limit["per_second"])) if limit else None,
    )
