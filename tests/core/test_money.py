"""Amounts typed by an owner (admin forms, size lists, imports) become minor units."""

import pytest

from scent.core.money import format_major, format_money, parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "USD", 1250),
        (" 12.5 ", "USD", 1250),
        ("1,250", "USD", 125000),
        ("12", "GBP", 1200),
        ("0.001", "KWD", 1),
        ("1200", "JPY", 1200),
    ],
)
def test_typed_amounts_become_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("", "USD", "Enter an amount like 12.50"),
        ("$12", "USD", "Enter an amount like 12.50"),
        ("-1", "USD", "Enter an amount like 12.50"),
        ("NaN", "USD", "Enter an amount like 12.50"),
        ("1e400", "USD", "Enter an amount like 12.50"),
        ("9" * 21, "USD", "Enter an amount like 12.50"),
        ("21474837", "USD", r"That is more than \$21,474,836\.47"),
        ("12.505", "USD", "Use at most 2 decimals"),
        ("12.5", "JPY", "Use at most 0 decimals, e.g. 1250"),
    ],
)
def test_amounts_that_are_not_prices_are_refused_with_a_reason(text, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(text, currency)


def test_typed_and_displayed_forms_round_trip():
    assert format_major(1250, "USD") == "12.50"
    assert format_major(5, "USD") == "0.05"
    assert format_major(1200, "JPY") == "1200"
    assert parse_amount(format_major(123456, "USD"), "USD") == 123456
    assert format_money(123456, "USD") == "$1,234.56"
