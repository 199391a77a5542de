from django.conf import settings
from django.http import HttpRequest


def shop(request: HttpRequest) -> dict:
    """Values every page's layout needs (name, environment banner, payment mode)."""
    return {
        "APP_NAME": settings.APP_NAME,
        "APP_ENV": settings.APP_ENV,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "TEST_PAYMENTS": settings.PAYMENT_GATEWAY == "test",
    }
