"""Fixtures for order tests."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory


@pytest.fixture
def tax_free(settings):
    settings.TAX_RATE_BPS = 0
    settings.PRICES_INCLUDE_TAX = True


@pytest.fixture
def lavender(db):
    return ProductFactory(name="Lavender Oil", sku="LAV-10", price=1250, stock_quantity=5)


@pytest.fixture
def cedar(db):
    return ProductFactory(name="Cedarwood Oil", sku="CED-10", price=900, stock_quantity=3)
