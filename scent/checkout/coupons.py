"""Coupon rules: who may use which coupon, checked again under a lock when the order is placed."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from scent.checkout.models import Coupon, CouponRedemption
from scent.core.money import format_money


class CouponError(Exception):
    """A coupon cannot be used; the message is written for the shopper."""


def normalise_code(code: str) -> str:
    return (code or "").strip().upper()


def find_coupon(code: str, *, for_update: bool = False) -> Coupon:
    code = normalise_code(code)
    if not code:
        raise CouponError("Enter a coupon code.")
    qs = Coupon.objects.select_for_update() if for_update else Coupon.objects.all()
    coupon = qs.filter(code=code).first()
    if coupon is None or not coupon.is_active:
        raise CouponError(f"The coupon code {code} is not valid.")
    return coupon


def check_coupon(
    *,
    coupon: Coupon,
    subtotal: int,
    currency: str,
    email: str,
    user=None,
    now: datetime | None = None,
) -> None:
    """Raise CouponError unless `coupon` can be used on goods worth `subtotal` by this customer."""
    now = now or timezone.now()
    if not coupon.is_active:
        raise CouponError(f"The coupon code {coupon.code} is not valid.")
    if coupon.valid_from and now < coupon.valid_from:
        raise CouponError(f"The coupon {coupon.code} is not valid yet.")
    if coupon.valid_until and now > coupon.valid_until:
        raise CouponError(f"The coupon {coupon.code} has expired.")
    if subtotal < coupon.minimum_spend:
        raise CouponError(
            f"The coupon {coupon.code} needs a minimum spend of "
            f"{format_money(coupon.minimum_spend, currency)}."
        )
    if coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit:
        raise CouponError(f"The coupon {coupon.code} has been fully used.")
    who = Q(email__iexact=email) if email else Q(pk__in=[])
    if user is not None and getattr(user, "is_authenticated", False):
        who |= Q(user=user)
    if CouponRedemption.objects.filter(coupon=coupon).filter(who).exists():
        raise CouponError(f"You have already used the coupon {coupon.code}.")
