"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass

# Currencies whose minor unit is not 1/100.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}
_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int):
            raise TypeError("Money.amount must be an int of minor units")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount * int(quantity), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: int, currency: str) -> str:
    """Format minor units for display: 1250 USD -> "$12.50"."""
    exp = exponent(currency)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**exp)
    number = f"{major:,}" + (f".{minor:0{exp}d}" if exp else "")
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


def parse_major(value: str, currency: str) -> int:
    """Parse a shopper-typed amount ("12.5", "12") into minor units without floats."""
    from decimal import Decimal, InvalidOperation

    try:
        dec = Decimal(value.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise ValueError(f"{value!r} is not an amount") from None
    if not dec.is_finite() or dec < 0:
        raise ValueError(f"{value!r} is not an amount")
    return int((dec * 10 ** exponent(currency)).to_integral_value())


def format_major(amount: int, currency: str) -> str:
    """Minor units as a plain typed amount, no symbol or thousands: 1250 USD -> "12.50"."""
    exp = exponent(currency)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**exp)
    return f"{sign}{major}.{minor:0{exp}d}" if exp else f"{sign}{major}"


# The largest amount a price column holds (a 32-bit signed integer of minor units).
MAX_AMOUNT = 2**31 - 1


def parse_amount(text: str, currency: str) -> int:
    """An owner-typed price ("12.50", "1,250", "12") in minor units, strictly.

    Unlike parse_major it refuses more decimals than the currency has (12.505 is a typo,
    not 12.51) and overlong input; ValueError's message is for a person.
    """
    import re
    from decimal import Decimal

    example = "12.50" if exponent(currency) else "1250"
    cleaned = (text or "").strip().replace(",", "")
    if len(cleaned) > 20 or not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise ValueError(f"Enter an amount like {example} (no currency sign).")
    dec = Decimal(cleaned)
    if -dec.as_tuple().exponent > exponent(currency):
        raise ValueError(f"Use at most {exponent(currency)} decimals, e.g. {example}.")
    minor = int(dec.scaleb(exponent(currency)))
    if minor > MAX_AMOUNT:
        raise ValueError(f"That is more than {format_money(MAX_AMOUNT, currency)}.")
    return minor
