# ruff: noqa: F811 - pytest fixtures imported from other conftest modules are parameters here
"""Sizes in Chromium: the product page's radio group (keyboard, sold-out size, ?size=),
the script that makes price, compare-at price, stock badge, SKU and quantity follow the
chosen size, the same form without JavaScript, and one size bought as a guest through
cart, test-gateway checkout, confirmation page and the e-mail on a real SMTP server."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from scent.catalog.models import ProductVariant
from scent.ops.queue.database import Worker
from scent.orders.models import Order, OrderStatus
from tests.e2e.conftest import (  # noqa: F401 - the shared browser fixtures
    browser,
    new_page,
    screenshot,
    smtp_sink,
)
from tests.factories import CategoryFactory, ProductFactory, ShippingMethodFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD = "4242 4242 4242 4242"
SMALL = re.compile(r"^5 ml\b")
MEDIUM = re.compile(r"^10 ml\b")
LARGE = re.compile(r"^30 ml\b")


@pytest.fixture
def oil():
    """Three sizes at three prices: 5 ml in stock, 10 ml on sale and low, 30 ml sold out."""
    product = ProductFactory(
        name="Lavender Oil",
        slug="lavender-oil",
        category=CategoryFactory(name="Essential oils"),
        variants=[
            {"label": "5 ml", "sku": "LAV-5", "price": 850, "stock_quantity": 12},
            {
                "label": "10 ml",
                "sku": "LAV-10",
                "price": 1450,
                "compare_at_price": 1800,
                "stock_quantity": 3,
            },
            {"label": "30 ml", "sku": "LAV-30", "price": 3200, "stock_quantity": 0},
        ],
    )
    ShippingMethodFactory(name="Standard delivery", code="standard", price=495, free_over=None)
    sizes = {v.label: v for v in ProductVariant.objects.filter(product=product)}
    return SimpleNamespace(product=product, url=product.get_absolute_url(), sizes=sizes)


def sizes_group(page: Page):
    return page.get_by_role("group", name="Size", exact=True)


def shown(page: Page) -> dict[str, str | bool]:
    """What the page says about the chosen size, as a shopper reads it."""
    was = page.locator("[data-size-price] .price-was")
    return {
        "price": page.locator("[data-size-price] [data-price-now]").inner_text(),
        "was": was.inner_text().removeprefix("was").strip() if was.is_visible() else "",
        "stock": page.locator("[data-size-stock]").inner_text(),
        "sku": page.locator("[data-size-sku]").inner_text(),
        "max": page.get_by_label("Quantity").get_attribute("max"),
        "button": page.locator("form.add-to-cart button[type=submit]").inner_text(),
    }


FIVE = {"price": "$8.50", "was": "", "stock": "In stock", "sku": "LAV-5", "max": "12"}
TEN = {"price": "$14.50", "was": "$18.00", "stock": "Only 3 left", "sku": "LAV-10", "max": "3"}


def test_sizes_are_a_radio_group_whose_choice_updates_the_page_and_goes_through_checkout(
    new_page, oil, smtp_sink, screenshot
):
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(oil.url)

    # An accessible group of radios named by its legend; the first size in stock is chosen.
    group = sizes_group(page)
    expect(group).to_be_visible()
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(3)
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()
    assert shown(page) == {**FIVE, "button": "Add to cart"}

    # The sold-out size stays on show, says so, and cannot be chosen.
    sold_out = group.get_by_role("radio", name=LARGE)
    expect(sold_out).to_be_visible()
    expect(sold_out).to_be_disabled()
    expect(sold_out).to_have_accessible_name(re.compile(r"30 ml.*\$32\.00.*Sold out"))
    large_label = page.locator("label", has_text="30 ml")
    assert "line-through" in large_label.locator(".size-label").evaluate(
        "el => getComputedStyle(el).textDecorationLine"
    )
    large_label.click(force=True)  # a click on it changes nothing
    expect(sold_out).not_to_be_checked()
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()

    # Choosing the second size updates everything at once, without a page load.
    page.evaluate("window.stillThisPage = true")
    group.get_by_text("10 ml", exact=True).click()
    expect(group.get_by_role("radio", name=MEDIUM)).to_be_checked()
    assert shown(page) == {**TEN, "button": "Add to cart"}
    expect(page.locator("[data-size-stock] .badge")).to_have_class(re.compile(r"\bbadge-low\b"))
    expect(page.locator("[data-size-price]")).to_have_class(re.compile(r"\bprice-sale\b"))
    assert page.evaluate("window.stillThisPage") is True
    screenshot(page, "sizes-chosen-1280")

    # The arrow keys move the choice, skipping the sold-out size.
    medium = group.get_by_role("radio", name=MEDIUM)
    medium.focus()
    page.keyboard.press("ArrowRight")  # past 30 ml (sold out) round to 5 ml
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()
    expect(group.get_by_role("radio", name=SMALL)).to_be_focused()
    assert shown(page)["sku"] == "LAV-5"
    assert page.locator("[data-size-price] .price-was").is_hidden()
    page.keyboard.press("ArrowLeft")  # back past 30 ml to 10 ml
    expect(medium).to_be_checked()
    expect(medium).to_be_focused()
    assert shown(page) == {**TEN, "button": "Add to cart"}

    # More than this size has is held back by the quantity field (its max followed the size).
    quantity = page.get_by_label("Quantity")
    quantity.fill("5")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    assert quantity.evaluate("el => el.validity.rangeOverflow") is True
    assert page.evaluate("window.stillThisPage") is True  # not posted
    quantity.fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_text("Added Lavender Oil (10 ml) to your cart.")).to_be_visible()
    assert errors == []

    # The cart shows that size and its price.
    page.goto("/cart/")
    row = page.locator("tr[data-product='LAV-10']")
    expect(row).to_be_visible()
    expect(row.locator("[data-size]")).to_have_text("10 ml")
    expect(row.get_by_role("cell").nth(1)).to_have_text("$14.50")
    expect(page.locator("tr[data-product]")).to_have_count(1)
    expect(page.locator("[data-subtotal]")).to_have_text("$29.00")
    # Its link leads back to the same size.
    row.get_by_role("link", name="Lavender Oil").click()
    expect(sizes_group(page).get_by_role("radio", name=MEDIUM)).to_be_checked()
    page.goto("/cart/")

    # Check out as a guest with the test card.
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("E-mail address").fill("guest@example.com")
    page.get_by_role("button", name="Continue to address").click()
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Harbour Road")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postal code").fill("BA1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Continue to delivery").click()
    page.get_by_role("radio", name=re.compile("^Standard delivery")).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Continue without a coupon").click()
    summary = page.get_by_role("complementary", name="Order summary").locator(".summary-lines")
    expect(summary).to_have_text(re.compile(r"^\s*2 \u00d7 Lavender Oil \(10 ml\)\s*\$29\.00\s*$"))
    expect(page.locator('[data-total="total"]')).to_have_text("$33.95")  # 29.00 + 4.95
    page.get_by_role("button", name="Place order and pay $33.95").click()

    expect(page.get_by_text("Test payments — no real money").first).to_be_visible()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(r"/orders/TS-\w+/confirmation/$"))
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    number = page.locator("[data-order-number]").first.inner_text()

    # The confirmation page names the size and its SKU.
    line = page.get_by_role("table", name=f"Items in order {number}").get_by_role("row").nth(1)
    expect(line).to_contain_text("Lavender Oil")
    expect(line.locator("[data-size]")).to_have_text("— 10 ml")
    expect(line).to_contain_text("LAV-10")
    expect(line).to_contain_text("$14.50")
    expect(line).not_to_contain_text("LAV-5")
    screenshot(page, "sizes-confirmation-1280")

    order = Order.objects.get(number=number)
    assert (order.status, order.total, order.email) == (OrderStatus.PAID, 3395, "guest@example.com")
    [order_line] = order.lines.all()
    assert (order_line.variant_label, order_line.sku, order_line.quantity) == ("10 ml", "LAV-10", 2)
    stock = dict(
        ProductVariant.objects.filter(product=oil.product).values_list("sku", "stock_quantity")
    )
    assert stock == {"LAV-5": 12, "LAV-10": 1, "LAV-30": 0}

    # The mail worker sends the confirmation through the SMTP server: size and SKU in both parts.
    Worker(queue_names=["mail"], once=True, heartbeat=60).run()
    [message] = [m for m in smtp_sink.messages if number in m["Subject"]]
    assert message["To"] == "guest@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "2 x Lavender Oil, 10 ml (LAV-10)" in text
    assert "Total: $33.95" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Lavender Oil — 10 ml" in html and "SKU LAV-10" in html


def test_without_javascript_the_chosen_size_is_posted(new_page, oil):
    page = new_page(java_script_enabled=False)
    page.goto(oil.url)
    group = sizes_group(page)
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()
    expect(group.get_by_role("radio", name=LARGE)).to_be_disabled()

    group.get_by_text("10 ml", exact=True).click()
    expect(group.get_by_role("radio", name=MEDIUM)).to_be_checked()
    # No script: the page still shows the size it was served with ...
    assert shown(page)["sku"] == "LAV-5"
    # ... yet the form posts the one chosen.
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_text("Added Lavender Oil (10 ml) to your cart.")).to_be_visible()
    page.goto("/cart/")
    expect(page.locator("tr[data-product]")).to_have_count(1)
    row = page.locator("tr[data-product='LAV-10']")
    expect(row.locator("[data-size]")).to_have_text("10 ml")
    expect(page.locator("[data-subtotal]")).to_have_text("$14.50")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_size_link_preselects_that_size(new_page, oil, javascript):
    page = new_page(java_script_enabled=javascript)

    page.goto(f"{oil.url}?size=LAV-10")
    group = sizes_group(page)
    expect(group.get_by_role("radio", name=MEDIUM)).to_be_checked()
    assert shown(page) == {**TEN, "button": "Add to cart"}

    page.goto(f"{oil.url}?size=5-ml")  # the label's slug works too
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()
    assert shown(page) == {**FIVE, "button": "Add to cart"}

    page.goto(f"{oil.url}?size=no-such-size")  # unknown: the first size in stock
    expect(group.get_by_role("radio", name=SMALL)).to_be_checked()

    # A link to the sold-out size shows it chosen and sold out; another size can still be
    # picked and bought, with or without the script.
    page.goto(f"{oil.url}?size=LAV-30")
    expect(group.get_by_role("radio", name=LARGE)).to_be_checked()
    expect(page.locator("[data-size-stock]")).to_have_text("Sold out")
    assert shown(page)["sku"] == "LAV-30"
    buy = page.locator("form.add-to-cart button[type=submit]")
    if javascript:
        expect(buy).to_be_disabled()
        expect(buy).to_have_text("Sold out")
    group.get_by_text("10 ml", exact=True).click()
    expect(buy).to_be_enabled()
    expect(buy).to_have_text("Add to cart")
    buy.click()
    expect(page.get_by_text("Added Lavender Oil (10 ml) to your cart.")).to_be_visible()
    expect(page.locator("tr[data-product='LAV-10']")).to_be_visible()


def test_cards_send_a_product_with_sizes_to_its_page_and_add_a_one_size_product(
    new_page, oil, screenshot
):
    ProductFactory(
        name="Cedar Soap", category=oil.product.category, price=600, size="100 g", sku="SOAP-1"
    )
    page = new_page()
    page.goto("/products/")
    screenshot(page, "sizes-cards-1280")

    def card(name: str):
        title = page.get_by_role("link", name=name, exact=True)
        return page.locator(".product-card").filter(has=title)

    # Sizes at different prices: "from" the cheapest in stock, and no quick add.
    lavender = card("Lavender Oil")
    expect(lavender.locator(".price-now")).to_have_text("from $8.50")
    expect(lavender.locator(".card-category")).to_contain_text("3 sizes")
    expect(lavender.get_by_role("button")).not_to_contain_text(["Add to cart"])
    # (Chrome names it "Choose a size : Lavender Oil": the hidden part is a flex item.)
    choose = re.compile(r"^Choose a size ?: Lavender Oil$")
    lavender.get_by_role("link", name=choose).click()
    page.wait_for_url(re.compile(r"/products/lavender-oil/$"))
    expect(sizes_group(page).get_by_role("radio", name=SMALL)).to_be_checked()

    # One size: its own price and a quick add that names the size.
    page.go_back()
    soap = card("Cedar Soap")
    expect(soap.locator(".price-now")).to_have_text("$6.00")
    soap.get_by_role("button", name=re.compile(r"^Add to cart ?: Cedar Soap$")).click()
    expect(page.get_by_text("Added Cedar Soap (100 g) to your cart.")).to_be_visible()


def axe_grave(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_page_with_sizes_is_accessible_and_laid_out(new_page, oil, screenshot, theme):
    """axe-core (serious, critical) in each theme at phone and desktop widths, with a size
    chosen by keyboard; screenshots of each to look at."""
    problems: list[str] = []
    for width, height in ((1280, 800), (390, 844)):
        phone = {"is_mobile": True, "has_touch": True} if width < 600 else {}
        page = new_page(width=width, height=height, color_scheme=theme, **phone)
        page.goto(oil.url)
        group = sizes_group(page)
        group.get_by_role("radio", name=SMALL).focus()
        page.keyboard.press("ArrowRight")
        medium = group.get_by_role("radio", name=MEDIUM)
        expect(medium).to_be_focused()

        # The focus ring shows on the label drawn for the focused radio.
        ring = page.locator("label[for]", has=page.locator(".size-label", has_text="10 ml"))
        outline = ring.evaluate(
            "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
        )
        assert outline[0] != "none" and outline[1] != "0px", outline

        # Every size is inside the screen and nothing scrolls sideways.
        boxes = [box for box in (lbl.bounding_box() for lbl in group.locator("label").all())]
        assert all(box and box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert not re.search(r"\{[#%{]", page.locator("main").inner_text())  # no template text
        screenshot(page, f"sizes-product-{width}-{theme}", full_page=False)
        problems += [f"[{width} {theme}] {p}" for p in axe_grave(page)]
    assert problems == []
