from django.conf import settings
from django.http import HttpRequest

from scent.core import page_cache


def shop(request: HttpRequest) -> dict:
    """Values every page's layout needs (name, environment banner, payment mode).

    While a page is rendered for every visitor (scent.core.page_cache), the CSRF token
    and the messages are holes, filled for each visitor when the page is served.
    """
    values = {
        "APP_NAME": settings.APP_NAME,
        "APP_ENV": settings.APP_ENV,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "SHOP_META_DESCRIPTION": settings.SHOP_META_DESCRIPTION,
        "SHOP_THEME_COLOR": settings.SHOP_THEME_COLOR,
        "TEST_PAYMENTS": settings.PAYMENT_GATEWAY == "test",
    }
    if page_cache.is_shared_render(request):
        values |= {
            "shared_render": True,
            "csrf_token": page_cache.hole("csrf_token"),
            "messages_hole": page_cache.hole("messages"),
        }
    return values
