"""A shopper browses the catalogue in a real browser: home, search, filter, product page."""

from __future__ import annotations

import re

import pytest

from scent.catalog.models import ScentFamily
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
    image_bytes,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue():
    oils = CategoryFactory(
        name="Essential oils", description="Single-origin oils, steam-distilled."
    )
    candles = CategoryFactory(name="Candles", description="Soy wax candles with pure oils.")
    calm, energy = MoodFactory(name="Calm"), MoodFactory(name="Energy")
    lavender_note = NoteFactory(name="Lavender")
    cedar = NoteFactory(name="Cedarwood", family=ScentFamily.WOODY)
    lavender = ProductFactory(
        name="Lavender Essential Oil",
        category=oils,
        is_featured=True,
        price=1450,
        compare_at_price=1800,
        stock_quantity=3,
        moods=[calm],
        with_notes={"top": [lavender_note], "base": [cedar]},
        short_description="Floral and soft, for slow evenings.",
        how_to_use="Add 4 drops to a diffuser.",
        ingredients="Lavandula angustifolia oil.",
    )
    ProductImageFactory(product=lavender, alt_text="Amber bottle of lavender oil")
    ProductImageFactory(
        product=lavender,
        image=image_bytes(colour="#6c5a93"),
        alt_text="Lavender field at dusk",
    )
    orange = ProductFactory(
        name="Wild Orange Oil",
        category=oils,
        scent_family=ScentFamily.CITRUS,
        price=900,
        moods=[energy],
        is_featured=True,
    )
    ProductImageFactory(product=orange, image=image_bytes(colour="#e0a526"))
    ProductFactory(
        name="Eucalyptus Oil", category=oils, stock_quantity=0, scent_family=ScentFamily.FRESH
    )
    candle = ProductFactory(
        name="Cedar Candle",
        category=candles,
        scent_family=ScentFamily.WOODY,
        price=2600,
        is_featured=True,
        with_notes={"heart": [cedar]},
    )
    ProductImageFactory(product=candle, image=image_bytes(colour="#8a6242"))
    for n in range(12):
        ProductFactory(name=f"Herbal Blend {n:02d}", category=oils, price=1000 + n * 100)
    return {"lavender": lavender, "orange": orange, "candle": candle}


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _broken_images(page) -> list[str]:
    return page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )


def test_shopper_opens_home_searches_filters_and_opens_a_product(page, catalogue, screenshot):
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    # Home: hero, featured products, categories.
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Breathe in. Slow down."
    featured = page.get_by_role("region", name="Featured")
    assert featured.get_by_role("link", name="Lavender Essential Oil").is_visible()
    assert (
        page.get_by_role("region", name="Shop by category")
        .get_by_role("link", name="Candles")
        .is_visible()
    )
    screenshot(page, "home-1280")

    # Search from the header.
    page.get_by_role("combobox", name="Search products").fill("lavender")
    page.get_by_role("combobox", name="Search products").press("Enter")
    page.wait_for_url(re.compile(r"/products/\?q=lavender"))
    results = page.get_by_role("region", name="Products")
    assert results.get_by_role("link", name="Lavender Essential Oil").is_visible()
    assert results.get_by_role("link", name="Cedar Candle").count() == 0
    assert page.get_by_role("heading", level=1).inner_text() == "Results for “lavender”"
    screenshot(page, "search-1280")

    # Filter the whole shop: essential oils, in stock only, cheapest first.
    page.goto("/products/")
    assert page.get_by_text("16 products").is_visible()
    page.get_by_label("Category").select_option(label="Essential oils")
    page.get_by_label("In stock only").check()
    page.get_by_label("Sort by").select_option(label="Price: low to high")
    page.get_by_role("button", name="Show products").click()
    page.wait_for_url(re.compile(r"in_stock=on"))
    results = page.get_by_role("region", name="Products")
    names = results.locator(".card-title").all_inner_texts()
    assert names[0] == "Wild Orange Oil"  # the cheapest in-stock oil
    assert "Eucalyptus Oil" not in names  # sold out
    assert "Cedar Candle" not in names  # another category
    assert page.get_by_text("14 products").is_visible()
    screenshot(page, "list-filtered-1280")

    # Page 2 keeps the filters.
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    assert "in_stock=on" in page.url and "page=2" in page.url
    assert page.get_by_text("page 2 of 2").is_visible()

    # Open a product from the list.
    page.goto("/products/?q=lavender")
    page.get_by_role("link", name="Lavender Essential Oil").click()
    page.wait_for_url("**/products/lavender-essential-oil/")
    assert page.get_by_role("heading", level=1).inner_text() == "Lavender Essential Oil"
    assert page.get_by_text("Only 3 left").is_visible()
    assert page.get_by_role("img", name="Amber bottle of lavender oil").is_visible()
    assert page.get_by_role("link", name=re.compile("Show picture 2 of 2")).is_visible()
    assert page.get_by_role("button", name="Add to cart", exact=True).is_enabled()
    assert page.get_by_role("region", name="Scent notes").get_by_text("Cedarwood").is_visible()
    assert _broken_images(page) == []
    screenshot(page, "product-1280")

    # A thumbnail brings the second picture into view.
    page.get_by_role("link", name=re.compile("Show picture 2 of 2")).click()
    page.get_by_role("img", name="Lavender field at dusk").wait_for(state="visible")

    assert csp_errors == []


def test_sold_out_product_cannot_be_added(page, catalogue):
    page.goto("/products/eucalyptus-oil/")

    assert page.get_by_text("Sold out").first.is_visible()
    assert page.get_by_role("button", name="Sold out").is_disabled()
    assert page.get_by_label("Quantity").is_disabled()


def test_bad_filter_values_show_a_message_not_an_error(page, catalogue):
    response = page.goto("/products/?min_price=cheap&page=abc")

    assert response.status == 200
    alert = page.get_by_role("alert")
    assert "Min price: Enter an amount such as 12.50." in alert.inner_text()
    assert page.get_by_text("16 products").is_visible()


@pytest.mark.parametrize("width", [360, 390])
def test_pages_fit_a_phone_screen(new_page, catalogue, screenshot, width):
    page = new_page(width=width, height=800, is_mobile=True, has_touch=True)
    for name, path in [
        ("home", "/"),
        ("list", "/products/?category=essential-oils"),
        ("product", "/products/lavender-essential-oil/"),
    ]:
        page.goto(path)
        assert _no_horizontal_scroll(page), f"{path} scrolls sideways at {width}px"
        if width == 390:
            screenshot(page, f"{name}-390")


def test_dark_mode_and_no_javascript(new_page, catalogue, screenshot):
    page = new_page(color_scheme="dark", java_script_enabled=False)

    page.goto("/")
    screenshot(page, "home-1280-dark")
    page.get_by_role("link", name="Candles").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Candles"
    page.get_by_label("Search", exact=True).fill("cedar")
    page.get_by_role("button", name="Show products").click()

    results = page.get_by_role("region", name="Products")
    assert results.locator(".card-title").all_inner_texts() == ["Cedar Candle"]
    page.goto("/products/lavender-essential-oil/")
    screenshot(page, "product-1280-dark")


def test_unknown_page_shows_the_shop_404(page, catalogue, screenshot):
    response = page.goto("/products/no-such-oil/")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "We could not find that page"
    screenshot(page, "404-1280")


@pytest.mark.parametrize(
    ("scheme", "paths"),
    [
        (
            "light",
            (
                "/",
                "/products/?min_price=x&q=lavender",
                "/products/?q=nothing-matches",
                "/products/lavender-essential-oil/",
                "/products/eucalyptus-oil/",
                "/no-such-page/",
            ),
        ),
        ("dark", ("/", "/products/?min_price=x&q=lavender", "/products/lavender-essential-oil/")),
    ],
)
def test_catalogue_pages_pass_automated_accessibility_checks(
    page, catalogue, assert_accessible, scheme, paths
):
    """axe-core: colour contrast in both schemes, labels, names, landmarks, ARIA."""
    page.emulate_media(color_scheme=scheme)
    for path in paths:
        page.goto(path)
        assert_accessible(page)
