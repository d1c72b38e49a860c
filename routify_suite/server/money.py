"""Money as whole nano-dollars, so debits and sums are exact integers.

Every price, balance and cost inside the server is an ``int`` of 10⁻⁹ USD; only the edges
(account files in, ``cost_usd`` out) convert. ``n / 1e9`` is the float nearest to the decimal
``n × 10⁻⁹``, so ``Decimal(repr(cost_usd))`` gives back the exact amount that was debited.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

NANO_PER_USD = 1_000_000_000


def usd_to_nano(value: object) -> int:
    """Parse a USD amount from an account file (int, float or decimal string), exactly."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount of money: {value!r}")
    try:
        amount = Decimal(str(value)) * NANO_PER_USD
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money: {value!r}") from error
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} USD is finer than a nano-dollar")
    return int(amount)


def nano_to_usd(nano: int) -> float:
    """The JSON number for ``cost_usd`` (exact in its shortest repr, see the module doc)."""
    return nano / NANO_PER_USD


def nano_to_decimal(nano: int) -> Decimal:
    """The exact USD amount, for reports and tests."""
    return Decimal(nano) / NANO_PER_USD
