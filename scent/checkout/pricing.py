"""The one place order totals are computed: every checkout step, the order and the charge.

Rounding rule (integer arithmetic only, no floats, no Decimal):
- amounts are minor units (cents);
- a percentage coupon takes `subtotal * percent / 100`, rounded half up to a cent;
- tax is computed once on the whole taxable amount (goods after discount + shipping),
  never per line, rounded half up to a cent:
  - prices exclude tax: tax = taxable * rate / 10000, total = taxable + tax;
  - prices include tax: net = taxable * 10000 / (10000 + rate), tax = taxable - net,
    total = taxable (the shopper pays the shelf price).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from scent.checkout.models import Coupon, CouponKind, ShippingMethod

BPS = 10_000


def div_round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("div_round_half_up takes a non-negative numerator")
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    subtotal: int
    discount: int
    shipping: int
    tax: int
    total: int
    tax_rate_bps: int
    prices_include_tax: bool

    @property
    def goods_after_discount(self) -> int:
        return self.subtotal - self.discount


def coupon_discount(coupon: Coupon | None, subtotal: int) -> int:
    """What `coupon` takes off goods worth `subtotal`; never more than the goods."""
    if coupon is None:
        return 0
    if coupon.kind == CouponKind.PERCENT:
        amount = div_round_half_up(subtotal * coupon.value, 100)
    else:
        amount = coupon.value
    return min(amount, subtotal)


def tax_for(taxable: int, *, rate_bps: int, prices_include_tax: bool) -> int:
    if rate_bps <= 0 or taxable <= 0:
        return 0
    if prices_include_tax:
        return taxable - div_round_half_up(taxable * BPS, BPS + rate_bps)
    return div_round_half_up(taxable * rate_bps, BPS)


def compute_totals(
    *,
    line_totals: Iterable[int],
    currency: str,
    shipping_method: ShippingMethod | None,
    coupon: Coupon | None = None,
    tax_rate_bps: int | None = None,
    prices_include_tax: bool | None = None,
    weight_grams: int = 0,
) -> Totals:
    """Subtotal, discount, shipping, tax and total for lines already priced on the server.

    `weight_grams` is the parcel's weight (the sizes' weights times their quantities).
    """
    rate = settings.TAX_RATE_BPS if tax_rate_bps is None else tax_rate_bps
    inclusive = settings.PRICES_INCLUDE_TAX if prices_include_tax is None else prices_include_tax
    subtotal = sum(line_totals)
    discount = coupon_discount(coupon, subtotal)
    goods = subtotal - discount
    shipping = shipping_method.price_for(goods, weight_grams) if shipping_method is not None else 0
    taxable = goods + shipping
    tax = tax_for(taxable, rate_bps=rate, prices_include_tax=inclusive)
    total = taxable if inclusive else taxable + tax
    return Totals(
        currency=currency,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=total,
        tax_rate_bps=rate,
        prices_include_tax=inclusive,
    )
