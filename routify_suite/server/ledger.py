"""Balances, debited exactly under concurrent requests.

A request first *reserves* its worst-case cost (402 when the balance cannot cover it), then
*settles* at the real cost, returning the rest. Both steps are plain integer arithmetic with no
``await`` inside, and the lock makes them safe from any thread, so no debit is lost or doubled
and concurrent requests can never overdraw an account.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from routify_suite.server.accounts import Account


class Reservation:
    """Money held for one request; settle or release it exactly once."""

    __slots__ = ("_done", "_ledger", "amount_nano", "key")

    def __init__(self, ledger: Ledger, key: str, amount_nano: int) -> None:
        self._ledger = ledger
        self.key = key
        self.amount_nano = amount_nano
        self._done = False

    def settle(self, cost_nano: int) -> int:
        """Charge ``cost_nano`` (at most the amount held), return the rest; the cost charged."""
        if self._done:
            raise RuntimeError("reservation already settled")
        self._done = True
        cost = min(cost_nano, self.amount_nano)
        self._ledger._credit(self.key, self.amount_nano - cost, charged=cost)
        return cost

    def release(self) -> None:
        """Give everything back (the request failed before it cost anything)."""
        if not self._done:
            self.settle(0)


class Ledger:
    """Current balance of every account, in nano-dollars."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        self._lock = threading.Lock()
        self._balances = {account.key: account.balance_nano for account in accounts}
        self._spent = dict.fromkeys(self._balances, 0)

    def balance(self, key: str) -> int:
        """Available balance (reservations in flight already taken out)."""
        with self._lock:
            return self._balances[key]

    def spent(self, key: str) -> int:
        """Total settled cost charged to the account since the server started."""
        with self._lock:
            return self._spent[key]

    def reserve(self, key: str, amount_nano: int) -> Reservation | None:
        """Hold ``amount_nano``; None when the balance cannot cover it."""
        with self._lock:
            balance = self._balances[key]
            if amount_nano > balance:
                return None
            self._balances[key] = balance - amount_nano
        return Reservation(self, key, amount_nano)

    def _credit(self, key: str, refund_nano: int, charged: int) -> None:
        with self._lock:
            self._balances[key] += refund_nano
            self._spent[key] += charged
