"""compute_totals: the one function behind every total the shopper sees and pays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scent.checkout.coupons import CouponError, check_coupon, find_coupon
from scent.checkout.models import Coupon, CouponKind, ShippingMethod
from scent.checkout.pricing import compute_totals, div_round_half_up, tax_for
from tests.factories import CouponFactory

STANDARD = ShippingMethod(name="Standard", code="standard", price=495, free_over=5000)


def _totals(lines, coupon=None, *, rate=0, inclusive=True, shipping=STANDARD):
    return compute_totals(
        line_totals=lines,
        currency="USD",
        shipping_method=shipping,
        coupon=coupon,
        tax_rate_bps=rate,
        prices_include_tax=inclusive,
    )


def test_rounding_is_half_up_in_integer_cents():
    assert div_round_half_up(5, 2) == 3
    assert div_round_half_up(4, 3) == 1
    assert div_round_half_up(0, 7) == 0


def test_shipping_is_free_from_the_threshold_after_discount():
    assert _totals([4999]).shipping == 495
    assert _totals([5000]).shipping == 0
    ten_off = Coupon(code="X", kind=CouponKind.FIXED, value=1000)
    assert _totals([5500], ten_off).shipping == 495  # 45.00 of goods after the discount


def test_a_weight_rule_adds_a_surcharge_per_started_kilogram_above_the_included_weight():
    # "free up to 2 kg, then 1.50 per started kilogram"
    parcel = ShippingMethod(
        name="Parcel", code="parcel", price=0, included_weight_grams=2000, surcharge_per_kg=150
    )
    assert parcel.price_for(1000, weight_grams=2000) == 0
    assert parcel.price_for(1000, weight_grams=2001) == 150
    assert parcel.price_for(1000, weight_grams=3000) == 150
    assert parcel.price_for(1000, weight_grams=3001) == 300
    totals = compute_totals(
        line_totals=[1000],
        currency="USD",
        shipping_method=parcel,
        tax_rate_bps=0,
        prices_include_tax=True,
        weight_grams=4500,
    )
    assert (totals.shipping, totals.total) == (450, 1450)


def test_free_over_waives_the_price_but_not_the_weight_surcharge():
    method = ShippingMethod(
        name="Std",
        code="std",
        price=495,
        free_over=5000,
        included_weight_grams=1000,
        surcharge_per_kg=200,
    )
    assert method.price_for(6000, weight_grams=500) == 0
    assert method.price_for(6000, weight_grams=1500) == 200
    assert method.price_for(100, weight_grams=1500) == 695


def test_methods_without_a_weight_rule_cost_the_same_at_any_weight():
    assert STANDARD.price_for(100, weight_grams=50_000) == 495


def test_a_percentage_coupon_rounds_half_up_and_a_fixed_one_never_exceeds_the_goods():
    pct = Coupon(code="P", kind=CouponKind.PERCENT, value=15)
    assert _totals([1250], pct).discount == 188  # 187.5 -> 188
    fixed = Coupon(code="F", kind=CouponKind.FIXED, value=5000)
    totals = _totals([1250], fixed)
    assert (totals.discount, totals.total) == (1250, 495)


def test_tax_exclusive_prices_add_tax_on_goods_and_shipping():
    totals = _totals([1999, 1000], rate=2000, inclusive=False)
    # taxable 2999 + 495 = 3494; 20% = 698.8 -> 699
    assert (totals.subtotal, totals.shipping, totals.tax, totals.total) == (2999, 495, 699, 4193)


def test_tax_inclusive_prices_show_the_tax_inside_the_total():
    totals = _totals([1200], rate=2000, inclusive=True, shipping=None)
    # 1200 includes 20% VAT: net 1000, tax 200
    assert (totals.tax, totals.total) == (200, 1200)
    assert tax_for(999, rate_bps=2000, prices_include_tax=True) == 166  # 999 - 832.5->833


def test_no_tax_when_the_rate_is_zero():
    assert _totals([1234], rate=0, inclusive=False).tax == 0


def test_totals_always_add_up():
    pct = Coupon(code="P", kind=CouponKind.PERCENT, value=7)
    for amount in range(1, 20000, 997):
        for inclusive in (True, False):
            t = _totals([amount, 333], pct, rate=1750, inclusive=inclusive)
            expected = t.subtotal - t.discount + t.shipping + (0 if inclusive else t.tax)
            assert t.total == expected


# --- coupon rules ---------------------------------------------------------------


@pytest.mark.django_db
def test_coupon_rules_each_give_a_clear_reason():
    now = timezone.now()
    cases = [
        (CouponFactory(valid_from=now + timedelta(days=1)), "is not valid yet"),
        (CouponFactory(valid_until=now - timedelta(days=1)), "has expired"),
        (CouponFactory(minimum_spend=5000), r"minimum spend of \$50.00"),
        (CouponFactory(usage_limit=0), "fully used"),
    ]
    for coupon, reason in cases:
        with pytest.raises(CouponError, match=reason):
            check_coupon(coupon=coupon, subtotal=1000, currency="USD", email="a@example.com")


@pytest.mark.django_db
def test_unknown_and_inactive_codes_are_not_valid():
    CouponFactory(code="OFF", is_active=False)
    with pytest.raises(CouponError, match="OFF is not valid"):
        find_coupon("off")
    with pytest.raises(CouponError, match="NOPE is not valid"):
        find_coupon(" nope ")
    with pytest.raises(CouponError, match="Enter a coupon code"):
        find_coupon("")
