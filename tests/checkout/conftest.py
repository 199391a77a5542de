"""A small shop for the checkout's tests: two products and two delivery methods."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory, ShippingMethodFactory


@pytest.fixture
def shop(settings):
    settings.TAX_RATE_BPS = 2000
    settings.PRICES_INCLUDE_TAX = False
    return {
        "oil": ProductFactory(name="Lavender Oil", price=1250, stock_quantity=5),
        "soap": ProductFactory(name="Cedar Soap", price=800, stock_quantity=5),
        "standard": ShippingMethodFactory(
            name="Standard", code="t-standard", price=495, free_over=10000
        ),
        "express": ShippingMethodFactory(name="Express", code="t-express", price=1295, position=1),
    }
