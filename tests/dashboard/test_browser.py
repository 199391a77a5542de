"""The dashboard in a real browser: staff sign in to the admin, find it, read it, switch range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def shop():
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    products = [
        ProductFactory(name="Lavender Oil", stock_quantity=2),
        ProductFactory(name='Rose & "Oud" <Absolute>', price=4200, stock_quantity=0),
        ProductFactory(name="Cedar Candle", price=1800),
    ]
    now = timezone.now()
    for i in range(40):
        order = OrderFactory(paid=True, total=1500 + i * 10, created_at=now - dt.timedelta(days=i))
        OrderLineFactory(order=order, product=products[i % 3], quantity=1 + i % 2)
    return staff


def sign_in(page, email: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_open_the_dashboard_from_the_admin(
    new_page, shop, assert_accessible, screenshot, width
):
    page = new_page(width=width, height=900)
    sign_in(page, shop.email)

    page.get_by_role("link", name="Sales dashboard").click()

    page.wait_for_url("**/admin/dashboard/")
    assert page.get_by_role("heading", name="Sales dashboard", level=1).is_visible()
    revenue = page.get_by_role("img", name="Revenue per day, last 30 days")
    assert revenue.is_visible()
    assert revenue.locator("rect.chart-bar").count() == 30
    assert page.get_by_role("link", name='Rose & "Oud" <Absolute>').first.is_visible()
    # the table behind the chart opens on demand
    page.get_by_text("Revenue and orders per day as a table").click()
    assert page.locator("details.sd-data[open] tbody tr").count() == 30
    screenshot(page, f"dashboard-30-days-{width}")
    assert_accessible(page)

    page.get_by_role("link", name="90 days").click()

    page.wait_for_url("**/admin/dashboard/?days=90")
    assert page.get_by_role("img", name="Revenue per day, last 90 days").is_visible()
    assert page.locator("svg.chart-line circle.chart-point").count() == 90
    screenshot(page, f"dashboard-90-days-{width}")


def test_dark_theme_is_accessible_too(new_page, shop, assert_accessible, screenshot):
    page = new_page(color_scheme="dark")
    sign_in(page, shop.email)

    page.goto("/admin/dashboard/")

    screenshot(page, "dashboard-dark-1280")
    assert_accessible(page)


def test_customers_cannot_open_it(page, db):
    UserFactory(email="shopper@example.com")

    page.goto("/admin/dashboard/")

    assert "/admin/login/" in page.url
    assert page.get_by_label("Email").is_visible() or page.locator("#id_username").is_visible()
