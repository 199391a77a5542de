"""Signed links that let a guest open their order without an account."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "scent.orders.guest-link"
MAX_AGE = 60 * 60 * 24 * 365  # a year: long enough for returns and warranty questions


def guest_token(number: str) -> str:
    return signing.dumps(number, salt=SALT, compress=False)


def number_from_token(token: str) -> str | None:
    """The order number the token was signed for, or None if forged or too old."""
    try:
        return signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None


def guest_order_path(number: str) -> str:
    return (
        f"{reverse('orders:guest_detail', kwargs={'number': number})}?token={guest_token(number)}"
    )


def order_link_for_email(order) -> str:
    """Absolute link for e-mails: the account page for customers, a signed link for guests."""
    path = order.get_absolute_url() if order.user_id else guest_order_path(order.number)
    return f"{settings.APP_URL}{path}"
