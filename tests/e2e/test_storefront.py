"""The storefront in Chromium: themes, reduced motion, phones to wide screens, no JavaScript,
accessibility (axe-core) of every main page in both themes, and screenshots to look at."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from scent.catalog.models import ScentFamily
from scent.catalog.seeding import seed_demo_catalogue
from scent.marketing import models as marketing_models
from tests.factories import (
    CategoryFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
    ShippingMethodFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # UserFactory's
LOAD_LAZY_IMAGES = """async () => {
    const images = [...document.images];
    images.forEach(image => { image.loading = "eager"; });
    const loaded = Promise.all(images.filter(image => !image.complete).map(
        image => new Promise(done => { image.onload = image.onerror = done; })));
    await Promise.race([loaded, new Promise(done => setTimeout(done, 5000))]);
}"""
QUOTES = [
    ("The Deep Sleep Blend is the only thing that quiets my mind at night.", "Maren, Bristol"),
    ("Beautifully packed, and the lavender smells like the fields in Provence.", "Jonas, Leipzig"),
    ("Calm, honest oils and a shop that feels like a deep breath.", "Priya, Leeds"),
]
LIGHT_BG = "rgb(248, 246, 241)"  # --bg of each theme
DARK_BG = "rgb(23, 25, 23)"


@pytest.fixture
def shop():
    """A small catalogue with everything the pages show, a delivery method and a customer."""
    oils = CategoryFactory(name="Essential oils", description="Steam-distilled, single origin.")
    lavender_note = NoteFactory(
        name="Lavender",
        family=ScentFamily.FLORAL,
        origin="Provence, France",
        description="Soft, herbaceous and floral.",
    )
    vetiver = NoteFactory(
        name="Vetiver",
        family=ScentFamily.EARTHY,
        origin="Les Cayes, Haiti",
        description="Smoky, rooty and grounding.",
    )
    lavender = ProductFactory(
        name="Lavender Essential Oil",
        slug="lavender-essential-oil",
        category=oils,
        is_featured=True,
        price=1250,
        stock_quantity=20,
        with_notes={"top": [lavender_note], "base": [vetiver]},
    )
    ProductImageFactory(product=lavender, alt_text="Amber bottle of lavender oil")
    for n, colour in enumerate(("#e0a526", "#8a6242", "#6c5a93")):
        product = ProductFactory(
            name=f"Calm Blend {n}", category=oils, is_featured=True, price=1500 + n * 100
        )
        ProductImageFactory(product=product, image=image_bytes(colour=colour))
    ShippingMethodFactory()
    return SimpleNamespace(lavender=lavender, customer=UserFactory(email="ada@example.com"))


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def theme_cookie(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "theme"), None)


def log_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    header = page.get_by_role("navigation", name="Your account")
    expect(header.get_by_role("link", name="Account", exact=True)).to_be_visible()


def add_to_cart(page: Page, slug: str) -> None:
    page.goto(f"/products/{slug}/")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Added .* to your cart\."))).to_be_visible()


# --- Dark and light -------------------------------------------------------------------------


def test_pages_follow_the_system_until_the_shopper_picks_a_theme(new_page, shop):
    page = new_page(color_scheme="dark")
    page.goto("/")
    assert background(page) == DARK_BG

    # One click switches at once (no page load) and keeps the keyboard on the toggle.
    page.evaluate("window.stillThisPage = true")
    with page.expect_response("**/theme/") as answer:
        page.get_by_role("button", name="Switch to light theme").click()
    assert answer.value.status == 204
    assert background(page) == LIGHT_BG
    assert page.evaluate("window.stillThisPage") is True
    assert page.evaluate("document.activeElement.textContent.trim()") == "Switch to dark theme"
    assert theme_cookie(page) == "light"

    # Remembered: the server paints the next page light although the system is dark.
    page.goto("/products/")
    assert page.locator("html").get_attribute("data-theme") == "light"
    assert background(page) == LIGHT_BG
    expect(page.get_by_role("button", name="Light", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # "System" in the footer hands the choice back to the system.
    with page.expect_response("**/theme/"):
        page.get_by_role("button", name="System", exact=True).click()
    assert background(page) == DARK_BG
    expect(page.get_by_role("button", name="System", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.reload()
    assert background(page) == DARK_BG
    assert theme_cookie(page) == "system"


def test_the_theme_toggle_works_without_javascript(new_page, shop):
    page = new_page(java_script_enabled=False, color_scheme="light")
    page.goto("/products/?q=lavender")
    assert background(page) == LIGHT_BG

    page.get_by_role("button", name="Switch to dark theme").click()

    expect(page).to_have_url(re.compile(r"/products/\?q=lavender$"))
    assert background(page) == DARK_BG
    assert theme_cookie(page) == "dark"
    expect(page.get_by_role("button", name="Switch to light theme")).to_be_visible()
    expect(page.get_by_role("button", name="Switch to dark theme")).to_be_hidden()


def test_the_first_paint_already_has_the_remembered_colours(new_page, live_server, shop):
    """No flash: with scripts off, the cookie alone decides the colours of the first paint."""
    page = new_page(java_script_enabled=False, color_scheme="light")
    page.context.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url}])

    page.goto("/")

    assert background(page) == DARK_BG
    assert page.locator('meta[name="color-scheme"]').get_attribute("content") == "dark"


# --- Motion ---------------------------------------------------------------------------------


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_means_nothing_moves(new_page, shop, motion):
    page = new_page(reduced_motion=motion)
    page.goto("/")
    card = page.locator(".product-card").first
    button = page.get_by_role("link", name="Shop the collection")

    card.hover()
    durations = {
        card.evaluate("el => getComputedStyle(el).transitionDuration"),
        button.evaluate("el => getComputedStyle(el).transitionDuration"),
    }

    if motion == "reduce":
        assert durations == {"0s"}
        assert card.evaluate("el => getComputedStyle(el).transform") == "none"
    else:
        assert "0s" not in durations
        # The card lifts on hover (the check that the one above could fail).
        card.evaluate(
            "el => new Promise(done => { const look = () => getComputedStyle(el).transform"
            " !== 'none' ? done() : requestAnimationFrame(look); look(); })"
        )


# --- Phones to wide screens -----------------------------------------------------------------


def test_no_page_scrolls_sideways_from_360_px_to_wide_screens(new_page, shop):
    page = new_page()
    log_in(page, shop.customer.email)
    add_to_cart(page, shop.lavender.slug)
    paths = ["/", "/products/", f"/products/{shop.lavender.slug}/", "/cart/"]
    paths += ["/checkout/contact/", "/account/", "/quiz/"]
    too_wide = []
    for width in (360, 390, 768, 1024, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide.append(f"{path} at {width}px is {scroll_width}px wide")
    assert too_wide == []


# --- Without JavaScript ---------------------------------------------------------------------


def test_browse_add_to_cart_and_check_out_up_to_payment_without_javascript(new_page, shop):
    page = new_page(java_script_enabled=False, width=390, height=844)

    page.goto("/")
    page.get_by_role("link", name="Shop the collection").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("searchbox", name="Search products").fill("lavender")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="Lavender Essential Oil").first.click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_text("Added Lavender Essential Oil (10 ml) to your cart.")).to_be_visible()

    page.goto("/cart/")
    expect(page.locator("[data-size]")).to_have_text("10 ml")
    expect(page.locator("[data-subtotal]")).to_have_text("$25.00")
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
    expect(page.locator('[data-total="total"]')).to_have_text("$29.95")  # 25.00 + 4.95
    page.get_by_role("button", name=re.compile(r"^Place order and pay \$29\.95")).click()

    expect(page.get_by_role("heading", name=re.compile(r"^Pay for order "))).to_be_visible()
    expect(page.get_by_test_id("pay-total")).to_have_text("$29.95")


# --- Accessibility and screenshots of every main page ---------------------------------------


@pytest.mark.slow
def test_every_main_page_is_accessible_in_both_themes_on_phones_and_desktops(
    new_page, assert_accessible, screenshot
):
    """axe-core on home, list, product, cart, checkout, login, register and account, in
    light and dark at 390 and 1280 px, on the demo catalogue; screenshots of each."""
    seed_demo_catalogue()
    ShippingMethodFactory()
    for position, (quote, author) in enumerate(QUOTES):
        marketing_models.Testimonial.objects.create(quote=quote, author=author, position=position)
    customer = UserFactory(email="ada@example.com")
    problems: list[str] = []

    def check(page: Page, name: str, shot: bool) -> None:
        if shot:
            # Lazy pictures below the fold load once scrolled to, then the whole page is shot.
            page.evaluate(LOAD_LAZY_IMAGES)
            screenshot(page, f"storefront-{name}-{label}")
        try:
            assert_accessible(page)
        except AssertionError as exc:
            problems.append(f"[{label}] {exc}")

    for theme in ("light", "dark"):
        for width in (390, 1280):
            label = f"{width}-{theme}"
            page = new_page(width=width, height=900, color_scheme=theme)
            page.goto("/")
            expect(page.get_by_role("heading", name="Kind words")).to_be_visible()
            expect(page.get_by_role("heading", name="Where our botanicals grow")).to_be_visible()
            check(page, "home", shot=True)
            page.goto("/products/")
            check(page, "list", shot=True)
            page.goto("/products/lavender-essential-oil/")
            check(page, "product", shot=True)
            add_to_cart(page, "lavender-essential-oil")
            page.goto("/cart/")
            check(page, "cart", shot=True)
            page.get_by_role("link", name="Check out").click()
            check(page, "checkout", shot=True)
            page.goto("/accounts/register/")
            check(page, "register", shot=False)
            page.goto("/accounts/login/")
            check(page, "login", shot=False)
            log_in(page, customer.email)
            page.goto("/account/")
            check(page, "account", shot=True)

    assert problems == []
