# ruff: noqa: F811 - pytest fixtures imported from other conftest modules are parameters here
"""The post-deployment checklist in Chromium: register, log in, add two products, check
out with the offline test gateway, see the confirmation, find the order in the account,
and receive the confirmation e-mail on a real SMTP server through the mail queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from scent.ops.queue.database import Worker
from scent.orders.models import Order, OrderStatus
from tests.e2e.conftest import browser, new_page, smtp_sink  # noqa: F401 - shared fixtures
from tests.factories import ProductFactory, ShippingMethodFactory, variant_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lavender fields at dusk"


def _add_to_cart(page, product) -> None:
    """A one-size product: its page has no size to choose; the message names the size."""
    page.goto(product.get_absolute_url())
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_role("button", name="Add to cart", exact=True).click()
    size = variant_of(product).label
    expect(page.get_by_text(f"Added {product.name} ({size}) to your cart.")).to_be_visible()


def test_register_log_in_buy_two_products_and_get_the_confirmation_email(
    new_page, live_server, smtp_sink
):
    oil = ProductFactory(name="Lavender Oil", price=1450, stock_quantity=5, sku="LAV-10")
    candle = ProductFactory(
        name="Cedar Candle", price=2200, stock_quantity=2, sku="CED-200", size="200 g"
    )
    # The migration's default method (re-created when a transactional test flushed it).
    ShippingMethodFactory(name="Standard delivery", code="standard", price=495, free_over=5000)
    page = new_page()

    # Register (which signs in), then log out.
    page.goto("/accounts/register/")
    page.get_by_label("E-mail", exact=True).fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Log out").first.click()

    # Two products go in the cart as a guest; logging in keeps them (merge).
    _add_to_cart(page, oil)
    _add_to_cart(page, candle)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail", exact=True).fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/cart/")
    expect(page.locator("[data-cart-count]").first).to_have_text("2")
    expect(page.locator("[data-subtotal]")).to_have_text("$36.50")

    # Checkout: contact, address, delivery, coupon (skipped), review.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("E-mail address")).to_have_value("ada@example.com")
    page.get_by_role("button", name="Continue to address").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 Lavender Lane")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postal code").fill("BA1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Continue to delivery").click()
    page.get_by_role("radio", name=re.compile("^Standard delivery")).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Continue without a coupon").click()
    expect(page.locator('[data-total="total"]')).to_have_text("$41.45")
    page.get_by_role("button", name="Place order and pay $41.45").click()

    # Pay with the offline test gateway.
    expect(page.get_by_text("Test payments — no real money").first).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(r"/orders/TS-\w+/confirmation/$"))
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    number = page.locator("[data-order-number]").first.inner_text()

    order = Order.objects.get(number=number)
    assert (order.status, order.total, order.email) == (OrderStatus.PAID, 4145, "ada@example.com")

    # The order is in the account.
    page.goto("/account/orders/")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_text("Lavender Oil")).to_be_visible()
    expect(page.get_by_text("Cedar Candle")).to_be_visible()
    # Each line's stock went down on its own size.
    assert (variant_of(oil).stock_quantity, variant_of(candle).stock_quantity) == (4, 1)

    # The mail worker sends the confirmation to the SMTP server.
    Worker(queue_names=["mail"], once=True, heartbeat=60).run()
    confirmations = [m for m in smtp_sink.messages if number in m["Subject"]]
    assert len(confirmations) == 1
    message = confirmations[0]
    assert message["To"] == "ada@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "1 x Lavender Oil, 10 ml (LAV-10)" in text
    assert "1 x Cedar Candle, 200 g (CED-200)" in text
    assert "Total: $41.45" in text
