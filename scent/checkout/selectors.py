"""Checkout reads: the state kept in the session and the priced quote every step shows."""

from __future__ import annotations

from dataclasses import dataclass

from scent.cart.selectors import CartSummary
from scent.checkout.coupons import CouponError, check_coupon, find_coupon
from scent.checkout.data import Checkout, CheckoutAddress
from scent.checkout.models import Coupon, ShippingMethod
from scent.checkout.pricing import Totals, compute_totals

SESSION_KEY = "checkout"


@dataclass(frozen=True, slots=True)
class Quote:
    """The cart priced for checkout: the same totals place_order will compute."""

    summary: CartSummary
    shipping_method: ShippingMethod | None
    coupon: Coupon | None
    coupon_error: str
    totals: Totals


def active_shipping_methods() -> list[ShippingMethod]:
    return list(ShippingMethod.objects.active())


def quote(
    *,
    summary: CartSummary,
    shipping_method_id: int | None,
    coupon_code: str = "",
    email: str = "",
    user=None,
) -> Quote:
    method = (
        ShippingMethod.objects.active().filter(pk=shipping_method_id).first()
        if shipping_method_id
        else None
    )
    coupon, coupon_error = None, ""
    if coupon_code:
        try:
            coupon = find_coupon(coupon_code)
            check_coupon(
                coupon=coupon,
                subtotal=summary.subtotal,
                currency=summary.currency,
                email=email,
                user=user,
            )
        except CouponError as exc:
            coupon, coupon_error = None, str(exc)
    totals = compute_totals(
        line_totals=[line.line_total for line in summary.lines],
        currency=summary.currency,
        shipping_method=method,
        coupon=coupon,
        weight_grams=summary.weight_grams,
    )
    return Quote(
        summary=summary,
        shipping_method=method,
        coupon=coupon,
        coupon_error=coupon_error,
        totals=totals,
    )


def build_checkout(*, state: dict, summary: CartSummary, user=None) -> Checkout:
    """The Checkout place_order takes, from the session state and the cart."""
    return Checkout(
        email=state.get("email", ""),
        address=CheckoutAddress.from_dict(state.get("address") or {}),
        shipping_method_id=int(state.get("shipping_method_id") or 0),
        items=summary.items,
        user=user if user is not None and user.is_authenticated else None,
        coupon_code=state.get("coupon_code", ""),
        cart_id=summary.cart.pk if summary.cart is not None else None,
        token=state.get("token", ""),
    )
