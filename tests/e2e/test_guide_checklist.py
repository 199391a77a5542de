# ruff: noqa: F811 - fixtures imported from other conftest modules are parameters here
"""The deployment guide's post-deployment checklist, in Chromium, against a production shop.

One shop per module (tests/e2e/checklist_support.py): nginx with TLS in front of gunicorn
(APP_ENV=production), `scent worker` sending mail to a real SMTP server, all on one
SQLite file. Each test is one shopper (own browser context) going through a part of the
checklist; key pages are saved at phone (390 px) and desktop (1280 px) widths as
test-artifacts/screenshots/checklist-*.png.

    .venv/bin/python -m pytest -p no:cacheprovider tests/e2e/test_guide_checklist.py
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.deploy.conftest import tls_cert  # noqa: F401 - the self-signed certificate fixture
from tests.e2e.checklist_support import CARD, LiveShop, first_link, running_shop, text_body
from tests.e2e.conftest import browser  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("checklist")]

PASSWORD = "lavender fields at dusk"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PATIENCE_MS = 30_000
_shoppers = itertools.count(1)


@pytest.fixture(scope="module")
def shop(tls_cert) -> Iterator[LiveShop]:
    # Patience for a loaded machine (every page goes through nginx, gunicorn and SQLite):
    # how long Playwright waits for a page or an element, never a timing that is asserted.
    expect.set_options(timeout=PATIENCE_MS)
    try:
        with running_shop(tls_cert) as live:
            yield live
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default


@pytest.fixture
def open_page(browser, shop) -> Iterator[Callable[..., Page]]:
    """A fresh browser (context) at the shop's https address; closed after the test."""
    contexts = []

    def open_(*, width: int = 1280, height: int = 800, **options) -> Page:
        if width < 600:
            options = {"is_mobile": True, "has_touch": True, **options}
        context = browser.new_context(
            base_url=shop.url,
            viewport={"width": width, "height": height},
            ignore_https_errors=True,  # the certificate is self-signed
            **options,
        )
        context.set_default_timeout(PATIENCE_MS)
        context.set_default_navigation_timeout(PATIENCE_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def shots(screenshot) -> Callable[[Page, str], None]:
    """Save the page at desktop and phone widths: checklist-<name>-1280.png / -390.png."""

    def take(page: Page, name: str) -> None:
        size = page.viewport_size
        for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)
            screenshot(page, f"checklist-{name}-{label}")
        page.set_viewport_size(size)

    return take


def new_email(stem: str) -> str:
    return f"{stem}-{next(_shoppers)}@example.com"


def register(page: Page, email: str) -> None:
    page.goto("/accounts/register/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/account/")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


# --- 1. registration and login --------------------------------------------------------------
def test_register_log_out_and_log_in_again(open_page, shop, shots):
    page = open_page()
    email = new_email("rosa")

    page.goto("/accounts/register/")
    shots(page, "register")
    register(page, email)
    expect(page).to_have_title(re.compile("^Your account"))
    expect(page.get_by_text(email).first).to_be_visible()
    shots(page, "account")

    page.get_by_role("button", name="Log out").first.click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    log_in(page, email, "not the password at all")
    expect(page.get_by_role("alert")).to_be_visible()
    shots(page, "login-error")
    log_in(page, email)
    page.wait_for_url("**/account/")
    expect(page.get_by_text(email).first).to_be_visible()


# --- 2. browsing: search, filter, sort -----------------------------------------------------
def test_search_filter_and_sort_the_catalogue(open_page, shop, shots):
    page = open_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shots(page, "home")

    search = page.get_by_role("searchbox", name="Search products")
    search.fill("lavender")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/products/\?q=lavender"))
    results = page.get_by_role("region", name="Products")
    names = results.locator(".card-title").all_inner_texts()
    assert "Lavender Essential Oil" in names
    # Names, notes and descriptions are searched; nothing without lavender comes up.
    assert "Lavender & Vetiver Candle" in names
    assert "Peppermint Essential Oil" not in names and "Citrus Grove Candle" not in names
    shots(page, "search")

    page.goto("/products/")
    page.get_by_label("Category").select_option(label="Candles")
    page.get_by_label("In stock only").check()
    page.get_by_label("Sort by").select_option(label="Price: high to low")
    page.get_by_role("button", name="Show products").click()
    page.wait_for_url(re.compile(r"in_stock=on"))
    names = page.get_by_role("region", name="Products").locator(".card-title").all_inner_texts()
    # Eight candles in the demo shop; Eucalyptus & Mint is sold out.
    assert "Eucalyptus & Mint Candle" not in names
    assert names[0] == "Rose & Sandalwood Candle"  # the dearest candle
    assert names[-1] == "Citrus Grove Candle"  # the cheapest one in stock
    assert len(names) == 7
    expect(page.get_by_text("7 products")).to_be_visible()
    shots(page, "list-filtered")

    page.get_by_role("link", name="Rose & Sandalwood Candle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rose & Sandalwood Candle")
    broken = page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    shots(page, "product")


# --- 3. cart, coupon, checkout with the test gateway, confirmation, account, e-mail ----------
def add_to_cart(page: Page, slug: str, name: str) -> None:
    page.goto(f"/products/{slug}/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text(f"Added {name} to your cart.")).to_be_visible()


def test_buy_with_a_coupon_and_the_test_gateway_then_find_the_order_and_the_email(
    open_page, shop, shots
):
    shop.shell(
        "from scent.checkout.models import Coupon; "
        "Coupon.objects.create(code='calm10', kind='percent', value=10, "
        "description='10% off for the checklist')"
    )
    page = open_page()
    email = new_email("ada")
    register(page, email)

    add_to_cart(page, "lavender-essential-oil", "Lavender Essential Oil")  # $12.50
    add_to_cart(page, "lavender-vetiver-candle", "Lavender & Vetiver Candle")  # $28.00
    page.goto("/cart/")
    expect(page.locator("[data-subtotal]")).to_have_text("$40.50")
    shots(page, "cart")

    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("E-mail address")).to_have_value(email)
    page.get_by_role("button", name="Continue to address").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 Lavender Lane")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postal code").fill("BA1 1AA")
    page.get_by_label("Country").select_option("GB")
    shots(page, "checkout-address")
    page.get_by_role("button", name="Continue to delivery").click()
    page.get_by_role("radio", name=re.compile("^Standard delivery")).check()
    page.get_by_role("button", name="Continue").click()

    # A wrong code is explained; the right one (any case) takes 10% off the goods.
    page.get_by_label("Coupon code").fill("CALM100")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shots(page, "checkout-coupon-error")
    page.get_by_label("Coupon code").fill("calm10")
    page.get_by_role("button", name="Apply coupon").click()
    # Applied, the review comes next.
    expect(page.get_by_role("status").get_by_text("Coupon CALM10 applied.")).to_be_visible()
    expect(page.get_by_role("region", name="Review your order")).to_be_visible()
    expect(page.locator('[data-total="discount"]')).to_have_text("\N{MINUS SIGN}$4.05")
    # 40.50 - 4.05 + 4.95 standard delivery
    expect(page.locator('[data-total="total"]')).to_have_text("$41.40")
    shots(page, "checkout-review")
    page.get_by_role("button", name="Place order and pay $41.40").click()

    expect(page.get_by_text("Test payments — no real money").first).to_be_visible()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    shots(page, "pay")
    page.get_by_role("button", name="Pay $41.40").click()

    page.wait_for_url(re.compile(r"/orders/TS-\w+/confirmation/$"))
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    number = page.locator("[data-order-number]").first.inner_text()
    expect(page.locator("[data-cart-count]").first).to_have_text("0")
    shots(page, "confirmation")

    page.goto("/account/orders/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text("$41.40")
    shots(page, "account-orders")
    row.get_by_role("link", name=number).click()
    expect(page.get_by_text("Lavender Essential Oil").first).to_be_visible()
    expect(page.get_by_text("Lavender & Vetiver Candle").first).to_be_visible()
    shots(page, "account-order")

    # The worker delivers the confirmation through SMTP.
    message = shop.mail_to(email, f"Thank you for your order {number}")
    text = text_body(message)
    assert "1 x Lavender Essential Oil" in text and "1 x Lavender & Vetiver Candle" in text
    assert "Discount (CALM10): -$4.05" in text
    assert "Total: $41.40" in text
    assert first_link(message, rf"/orders/{number}/").startswith(shop.url)
    assert len([m for m in shop.messages_to(email) if number in str(m["Subject"])]) == 1
