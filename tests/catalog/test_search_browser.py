# ruff: noqa: F811 - pytest fixtures imported from other conftest modules are parameters here
"""Search as you type in Chromium: the header's search box is an accessible combobox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, browser, new_page  # noqa: F401
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf():
    oils = CategoryFactory(name="Oils", slug="oils")
    ProductFactory(name="Lavender Oil", slug="lavender-oil", category=oils, price=1250)
    ProductFactory(name="Cedar Candle", slug="cedar-candle", category=oils, price=2400)


def test_typing_offers_products_the_keyboard_can_open(new_page, shelf, assert_accessible):
    page = new_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")

    box.fill("lav")
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    lavender = suggestions.get_by_role("option", name=re.compile(r"^Lavender Oil"))
    expect(lavender).to_contain_text("$12.50")
    expect(suggestions.get_by_role("option", name=re.compile("Cedar"))).to_have_count(0)
    assert_accessible(page)

    box.press("ArrowDown")
    expect(lavender).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", lavender.get_attribute("id"))
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("lave")
    expect(lavender).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/products/lavender-oil/$"))


def test_enter_without_a_choice_still_searches(new_page, shelf):
    page = new_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")

    box.fill("cedar")
    expect(page.get_by_role("option", name=re.compile("^Cedar Candle"))).to_be_visible()
    box.press("Enter")

    page.wait_for_url(re.compile(r"/products/\?q=cedar$"))
    expect(page.get_by_role("link", name="Cedar Candle", exact=True)).to_be_visible()
