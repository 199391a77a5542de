"""Login only triggers the merge; the rules live in services.merge_carts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from scent.cart.models import Cart
from scent.cart.services import merge_carts
from scent.cart.session import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="scent.cart.merge_on_login")
def merge_guest_cart_on_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_KEY, None)
    if not cart_id:
        return
    guest_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    for note in merge_carts(guest_cart=guest_cart, user=user):
        messages.info(request, note, fail_silently=True)
