from django.http import HttpRequest

from scent.cart.selectors import cart_item_count, user_cart_item_count
from scent.cart.session import SESSION_KEY, counted_cart
from scent.core import page_cache


def header_cart_count(request: HttpRequest) -> int:
    """None when the view already read the cart (the checkout's steps), else one query
    for a signed-in shopper (the account's cart joined in), none for a visitor who never
    added anything."""
    summary = counted_cart(request)
    if summary is not None:
        return summary.count
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user_cart_item_count(user)
    cart_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return cart_item_count(cart_id) if cart_id else 0


def cart(request: HttpRequest) -> dict:
    """`cart_count` for the header; a hole in a page rendered for every visitor (a page
    kept per cart, such as the cart's own, keeps its count: a new count is a new cart
    version)."""
    if page_cache.is_shared_render(request) and not page_cache.is_kept_per_visitor(request):
        return {"cart_count": page_cache.hole("cart_count")}
    return {"cart_count": lambda: header_cart_count(request)}
