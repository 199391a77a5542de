"""A shopper browses the catalogue in a real browser."""

import pytest

from tests.factories import ProductFactory

pytestmark = pytest.mark.browser


def test_home_shows_featured_products(page, screenshot):
    ProductFactory(name="Lavender Oil", is_featured=True)

    page.goto("/")

    assert page.get_by_role("link", name="Lavender Oil").first.is_visible()
    screenshot(page, "home-1280")


def test_data_created_after_opening_a_page_is_served(page):
    page.goto("/")
    ProductFactory(name="Rose Otto", is_featured=True)

    page.reload()

    assert page.get_by_role("link", name="Rose Otto").first.is_visible()
