"""Which cart belongs to this request: the account's cart, or the one whose id the session holds."""

from __future__ import annotations

from django.http import HttpRequest

from scent.cart.models import Cart
from scent.cart.selectors import CartSummary, cart_summary
from scent.cart.services import get_or_create_user_cart

SESSION_KEY = "cart_id"


def cart_for_request(request: HttpRequest, *, create: bool = False) -> Cart | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if create:
            return get_or_create_user_cart(user)
        return Cart.objects.filter(user=user).first()
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def cart_summary_for_request(request: HttpRequest) -> CartSummary:
    """The request's cart with its lines; the header's count then reuses it instead of
    counting again (a view that changes the cart afterwards must redirect, as the
    checkout's steps do)."""
    summary = cart_summary(cart_for_request(request))
    request._cart_summary = summary
    return summary


def counted_cart(request: HttpRequest) -> CartSummary | None:
    """The summary `cart_summary_for_request` read for this request, if any."""
    return getattr(request, "_cart_summary", None)
