from django.http import HttpRequest

from scent.orders.selectors import orders_for_user

RECENT = 5


def account_orders(request: HttpRequest) -> dict:
    """`orders` (the five newest) for the account overview's orders block, and only there."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.view_name != "accounts:account" or not user.is_authenticated:
        return {}
    return {"orders": list(orders_for_user(user)[:RECENT])}
