from django.http import HttpRequest

from scent.cart.selectors import cart_item_count
from scent.cart.session import cart_id_for_request


def cart(request: HttpRequest) -> dict:
    """`cart_count` for the header; no query for a visitor who never added anything."""

    def count() -> int:
        cart_id = cart_id_for_request(request)
        return cart_item_count(cart_id) if cart_id else 0

    return {"cart_count": count}
