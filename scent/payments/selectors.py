"""Reads for the pay pages and the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch

from scent.payments.models import Payment

if TYPE_CHECKING:
    from django.http import HttpRequest

    from scent.orders.models import Order


def order_for_shopper(request: HttpRequest, number: str) -> Order | None:
    """The order if this browser may pay it: its owner, or the guest session that placed it."""
    from scent.orders.models import Order, OrderLine
    from scent.orders.views import PLACED_SESSION_KEY

    order = (
        Order.objects.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .filter(number=number)
        .first()
    )
    if order is None:
        return None
    if order.user_id is not None:
        return order if request.user.is_authenticated and request.user.pk == order.user_id else None
    return order if number in request.session.get(PLACED_SESSION_KEY, []) else None


def has_payment(*, order_number: str, gateway: str) -> bool:
    return Payment.objects.filter(order_number=order_number, gateway=gateway).exists()


def payment_for_return(*, order_number: str, gateway: str, reference: str) -> Payment | None:
    """The order's payment the gateway sent the shopper back for (never another order's)."""
    payments = Payment.objects.filter(order_number=order_number, gateway=gateway)
    if reference:
        return payments.filter(reference=reference).first()
    return payments.order_by("-attempt").first()


def payments_for_order(order_number: str) -> list[Payment]:
    return list(
        Payment.objects.filter(order_number=order_number)
        .prefetch_related("refunds")
        .order_by("attempt")
    )
