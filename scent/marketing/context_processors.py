from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from scent.marketing import selectors

# Pages whose product cards get a wishlist heart (the home page's budget has no room).
CARD_WISHLIST_VIEWS = frozenset({"catalog:product_list", "catalog:category"})


def marketing(request: HttpRequest) -> dict:
    """`testimonials` on the home page; `wishlist_ids` on product lists.

    Both are lazy: queried only if a template reads them, and `wishlist_ids` only for a
    signed-in shopper (a visitor's heart leads to the log-in page).
    """
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None else ""
    if view == "catalog:home":
        return {"testimonials": SimpleLazyObject(selectors.home_testimonials)}
    if view in CARD_WISHLIST_VIEWS:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return {
                "card_wishlist": True,
                "wishlist_ids": SimpleLazyObject(lambda: selectors.wishlist_product_ids(user=user)),
            }
        return {"card_wishlist": True, "wishlist_ids": frozenset()}
    return {}
