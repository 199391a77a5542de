"""Reads the order pages, the payment step and the admin need."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from scent.orders.links import number_from_token
from scent.orders.models import Order, OrderEvent, OrderLine


class OrderNotPayable(Exception):
    """The order exists but can no longer be paid (already paid, cancelled, expired)."""


def _with_detail(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch(
            "events",
            queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id"),
        ),
    )


def order_for_payment(number: str) -> Order:
    """The order to charge (lines prefetched; `total`, `currency`, `email` on it).

    Raises Order.DoesNotExist for an unknown number and OrderNotPayable when it is
    already paid or cancelled.
    """
    order = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    ).get(number=number)
    if not order.is_payable:
        raise OrderNotPayable(
            f"Order {order.number} is {order.get_status_display().lower()} "
            f"({order.get_payment_status_display().lower()}) and cannot be paid."
        )
    return order


def orders_for_user(user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-created_at", "-id")


def order_for_user(user, number: str) -> Order | None:
    """The user's own order, or None (another customer's order is never returned)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _with_detail(Order.objects.filter(user=user, number=number)).first()


def order_for_guest_link(number: str, token: str) -> Order | None:
    """The order a signed guest link points at, or None if the token does not match."""
    if not token or number_from_token(token) != number:
        return None
    return _with_detail(Order.objects.filter(number=number)).first()


def order_by_number(number: str) -> Order | None:
    return _with_detail(Order.objects.filter(number=number)).first()
