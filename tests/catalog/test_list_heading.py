"""The list's heading says what the shopper is looking at."""

import pytest

from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_choosing_a_category_in_the_filter_form_names_it_in_the_heading(client):
    candles = CategoryFactory(name="Candles", slug="candles")
    ProductFactory(category=candles)
    page = client.get("/products/", {"category": "candles"}).content.decode()
    assert "<h1>Candles</h1>" in page
    assert "<title>Candles" in page


def test_unfiltered_list_is_all_products(client):
    ProductFactory()
    assert "<h1>All products</h1>" in client.get("/products/").content.decode()
