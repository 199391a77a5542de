"""The storefront pages as a shopper (or a search engine) sees them."""

import re
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from scent.catalog.models import ScentFamily
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible-ish text: tags dropped, entities decoded, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def card_names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


# --- Home --------------------------------------------------------------------------


def test_home_shows_hero_featured_products_and_categories(client):
    oils = CategoryFactory(name="Essential oils")
    CategoryFactory(name="Retired", is_active=False)
    ProductFactory(name="Lavender Oil", category=oils, is_featured=True)
    ProductFactory(name="Plain Soap", category=oils)

    response = client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert "Breathe in. Slow down." in page
    assert [p.name for p in response.context["featured"]] == ["Lavender Oil"]
    assert "Plain Soap" not in page
    assert 'href="/categories/essential-oils/"' in response.content.decode()
    assert "Retired" not in page


def test_home_has_no_testimonials_section_until_there_are_testimonials(client, rf):
    response = client.get("/")
    assert "Kind words" not in text(response)

    html = render_to_string(
        "catalog/home.html",
        {"testimonials": [{"quote": "My evenings smell of calm.", "author": "Maya, Leeds"}]},
        request=rf.get("/"),
    )

    assert "Kind words" in html
    assert "My evenings smell of calm." in html and "Maya, Leeds" in html


def test_layout_has_skip_link_search_account_and_cart_links(client):
    response = client.get("/")
    html = response.content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert 'role="search"' in html and '<label for="site-search"' in html
    assert 'href="/cart/"' in html and "data-cart-count>0<" in html
    assert 'href="/accounts/login/"' in html


def test_cart_count_comes_from_the_context(rf):
    html = render_to_string("catalog/home.html", {"cart_count": 3}, request=rf.get("/"))

    assert "data-cart-count>3<" in html


def test_pages_have_meta_description_and_canonical_link(client, settings):
    settings.APP_URL = "https://shop.example.com"
    ProductFactory(
        name="Lavender Oil", slug="lavender-oil", meta_description="Calming lavender from Provence."
    )

    html = client.get("/products/lavender-oil/").content.decode()

    assert '<meta name="description" content="Calming lavender from Provence.">' in html
    assert '<link rel="canonical" href="https://shop.example.com/products/lavender-oil/">' in html


# --- Product list -------------------------------------------------------------------


@pytest.fixture
def shelf():
    oils, candles = CategoryFactory(name="Oils"), CategoryFactory(name="Candles")
    calm = MoodFactory(name="Calm")
    cedar = NoteFactory(name="Cedarwood")
    ProductFactory(name="Lavender Oil", category=oils, price=1450, moods=[calm])
    ProductFactory(name="Orange Oil", category=oils, price=900, scent_family=ScentFamily.CITRUS)
    ProductFactory(name="Sold Out Oil", category=oils, price=1100, stock_quantity=0)
    ProductFactory(
        name="Forest Candle",
        category=candles,
        price=2600,
        with_notes={"base": [cedar]},
        short_description="Soy wax, hand-poured.",
        description="Burns for forty hours.",
    )
    return {"oils": oils, "candles": candles}


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Forest Candle", "Lavender Oil", "Orange Oil", "Sold Out Oil"]),
        ("?category=oils", ["Lavender Oil", "Orange Oil", "Sold Out Oil"]),
        ("?family=citrus", ["Orange Oil"]),
        ("?mood=calm", ["Lavender Oil"]),
        ("?min_price=10&max_price=14.50", ["Lavender Oil", "Sold Out Oil"]),
        ("?in_stock=1", ["Forest Candle", "Lavender Oil", "Orange Oil"]),
        ("?sort=price_desc", ["Forest Candle", "Lavender Oil", "Sold Out Oil", "Orange Oil"]),
        ("?q=cedarwood", ["Forest Candle"]),
        ("?q=oil&in_stock=1&sort=price_asc", ["Orange Oil", "Lavender Oil"]),
    ],
)
def test_product_list_filters_search_and_sort(client, shelf, query, expected):
    response = client.get(f"/products/{query}")

    assert response.status_code == 200
    assert card_names(response) == expected
    assert not response.context["form"].errors


def test_product_list_shows_an_empty_state(client, shelf):
    response = client.get("/products/?q=patchouli")

    page = text(response)
    assert "0 products" in page
    assert "No products match “patchouli”" in page
    assert 'href="/products/"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?page=abc", "Page: Enter a page number such as 2; showing page 1."),
        ("?page=0", "Page: Pages start at 1; showing page 1."),
        ("?min_price=x", "Min price: Enter an amount such as 12.50."),
        ("?max_price=-3", "Max price: Enter an amount of 0 or more."),
        ("?sort=bogus", "Sort by: Choose one of the listed sort orders."),
        ("?category=nope", "Category: There is no category “nope”."),
        ("?family=minty", "Scent family: There is no scent family “minty”."),
        ("?mood=grumpy", "Mood: There is no mood “grumpy”."),
        ("?q=" + "x" * 101, "Search: Use at most 100 characters."),
    ],
)
def test_bad_filter_input_is_explained_and_ignored(client, shelf, query, message):
    response = client.get(f"/products/{query}")

    assert response.status_code == 200
    page = text(response)
    assert "Some filters could not be used and were ignored:" in page
    assert message in page
    assert len(card_names(response)) == 4  # the bad filter is left out, the list still shows


def test_a_max_price_below_the_min_price_is_ignored(client, shelf):
    response = client.get("/products/?min_price=20&max_price=10")

    assert "Max price: Max price must be at least the min price." in text(response)
    assert card_names(response) == ["Forest Candle"]  # the min price (20.00) still applies


def test_bad_input_keeps_the_valid_filters(client, shelf):
    response = client.get("/products/?family=citrus&min_price=cheap")

    assert card_names(response) == ["Orange Oil"]
    assert "Min price: Enter an amount such as 12.50." in text(response)


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
def test_pagination_links_keep_the_other_parameters(client, settings):
    settings.SHOP_PRODUCTS_PER_PAGE = 2
    for n in range(5):
        ProductFactory(name=f"Oil {n}", price=1000 + n)

    response = client.get("/products/?sort=price_desc&q=oil&page=2")

    assert card_names(response) == ["Oil 2", "Oil 1"]
    html = response.content.decode()
    assert 'href="?sort=price_desc&amp;q=oil&amp;page=3"' in html  # next
    assert 'href="?sort=price_desc&amp;q=oil"' in html  # previous = page 1, no page param
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in html
    assert "page 2 of 3" in text(response)


def test_active_filters_are_listed_with_links_that_remove_them(client, shelf):
    response = client.get("/products/?q=oil&mood=calm&min_price=5&sort=name&page=1")

    html = response.content.decode()
    for label, rest in [
        ("“oil”", "mood=calm&amp;min_price=5&amp;sort=name"),
        ("Calm", "q=oil&amp;min_price=5&amp;sort=name"),
        ("From $5.00", "q=oil&amp;mood=calm&amp;sort=name"),
    ]:
        assert f'href="?{rest}">{label}<span class="visually-hidden">: remove this filter' in html


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(client, settings):
    settings.SHOP_PRODUCTS_PER_PAGE = 2
    for n in range(3):
        ProductFactory(name=f"Oil {n}")

    response = client.get("/products/?sort=name&page=9")

    assert response.status_code == 200
    assert card_names(response) == ["Oil 2"]
    assert "There is no page 9; showing page 2, the last one." in text(response)


def test_filtered_lists_are_not_indexed_but_the_plain_list_is(client, shelf):
    assert "noindex" not in client.get("/products/").content.decode()
    assert '<meta name="robots" content="noindex, follow">' in (
        client.get("/products/?q=oil").content.decode()
    )


# --- Category page ------------------------------------------------------------------


def test_category_page_lists_only_that_category_and_has_no_category_filter(client, shelf):
    response = client.get("/categories/oils/?sort=price_asc")

    assert response.status_code == 200
    assert card_names(response) == ["Orange Oil", "Sold Out Oil", "Lavender Oil"]
    assert "category" not in response.context["form"].fields
    assert "<h1>Oils</h1>" in response.content.decode()


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
def test_category_page_filters_within_the_category(client, shelf):
    response = client.get("/categories/oils/?in_stock=1&q=lavender")

    assert card_names(response) == ["Lavender Oil"]


@pytest.mark.parametrize("slug", ["no-such-category", "hidden"])
def test_unknown_or_inactive_category_is_404(client, slug):
    CategoryFactory(name="Hidden", is_active=False)

    response = client.get(f"/categories/{slug}/")

    assert response.status_code == 404
    assert "We could not find that page" in text(response)


# --- Product page -------------------------------------------------------------------


@pytest.fixture
def lavender():
    oils = CategoryFactory(name="Essential oils")
    calm, sleep = MoodFactory(name="Calm"), MoodFactory(name="Sleep")
    product = ProductFactory(
        name="Lavender Oil",
        category=oils,
        price=1450,
        compare_at_price=1800,
        stock_quantity=25,
        size="10 ml",
        moods=[sleep, calm],
        with_notes={
            "top": [NoteFactory(name="Lavender")],
            "heart": [NoteFactory(name="Clary sage")],
            "base": [NoteFactory(name="Cedarwood")],
        },
        ingredients="Lavandula angustifolia (lavender) oil.",
        how_to_use="Add 3 to 5 drops to a diffuser.",
    )
    ProductImageFactory(product=product, alt_text="Amber bottle of lavender oil")
    ProductImageFactory(product=product, alt_text="Lavender field in Provence")
    return product


def test_product_page_shows_everything_a_shopper_needs(client, lavender):
    response = client.get("/products/lavender-oil/")

    assert response.status_code == 200
    page = text(response)
    html = response.content.decode()
    assert '<h1 id="product-title">Lavender Oil</h1>' in html
    assert "$14.50" in page and "was $18.00" in page
    assert "In stock" in page
    assert "Top Lavender" in page and "Heart Clary sage" in page and "Base Cedarwood" in page
    assert "Good for Calm Sleep" in page
    assert "Size 10 ml" in page
    assert "Lavandula angustifolia (lavender) oil." in page
    assert "Add 3 to 5 drops to a diffuser." in page


def test_product_gallery_shows_every_picture_with_alt_text_and_thumbnails(client, lavender):
    html = client.get("/products/lavender-oil/").content.decode()

    images = list(lavender.images.all())
    for image in images:
        assert f'src="{image.image.url}" alt="{image.alt_text}"' in html
        assert image.thumbnail and f'src="{image.thumbnail.url}"' in html
    assert "Show picture 2 of 2: Lavender field in Provence" in html


def test_add_to_cart_form_posts_product_and_quantity(client, lavender):
    html = client.get("/products/lavender-oil/").content.decode()

    form = re.search(
        r'<form class="add-to-cart" method="post" action="/cart/add/">.*?</form>', html, re.S
    )
    assert form, "the add-to-cart form is missing"
    form_html = form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form_html
    assert f'<input type="hidden" name="product_id" value="{lavender.pk}">' in form_html
    assert 'type="number" name="quantity" value="1" min="1" max="25"' in form_html
    assert "<fieldset>" in form_html  # enabled


@pytest.mark.parametrize(
    ("stock", "shown"),
    [(25, "In stock"), (5, "Only 5 left"), (1, "Only 1 left"), (0, "Sold out")],
)
def test_stock_state(client, settings, stock, shown):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    ProductFactory(name="Rose Otto", stock_quantity=stock)

    response = client.get("/products/rose-otto/")

    assert shown in text(response)


def test_sold_out_product_cannot_be_added_to_the_cart(client):
    ProductFactory(name="Rose Otto", stock_quantity=0)

    html = client.get("/products/rose-otto/").content.decode()

    assert "<fieldset disabled>" in html
    assert 'type="submit" class="button button-large">Sold out</button>' in html


def test_product_page_lists_related_products(client, lavender):
    ProductFactory(name="Tea Tree Oil", category=lavender.category)
    ProductFactory(name="Hidden Oil", category=lavender.category, is_active=False)

    response = client.get("/products/lavender-oil/")

    assert [p.name for p in response.context["related"]] == ["Tea Tree Oil"]
    assert "You may also like" in text(response)


@pytest.mark.parametrize("slug", ["no-such-oil", "retired-oil"])
def test_unknown_or_inactive_product_is_404(client, slug):
    ProductFactory(name="Retired Oil", is_active=False)

    response = client.get(f"/products/{slug}/")

    assert response.status_code == 404
    assert "We could not find that page" in text(response)
    assert 'name="robots" content="noindex"' in response.content.decode()


def test_product_in_an_inactive_category_is_404(client):
    ProductFactory(name="Orphan", category=CategoryFactory(name="Gone", is_active=False))

    assert client.get("/products/orphan/").status_code == 404


# --- Error pages and sitemap ------------------------------------------------------------


def _boom(request):
    raise RuntimeError("the oils spilled")


urlpatterns = [path("boom/", _boom), path("", include("scent.urls"))]


@pytest.mark.urls(__name__)
def test_an_unexpected_error_shows_the_shop_500_page(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)
    assert "the oils spilled" not in text(response)


def test_500_page_renders_without_database_or_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'href="/static/css/scent.css"' in html


def test_sitemap_index_lists_sections_and_sections_list_active_pages(client, shelf):
    ProductFactory(name="Retired Oil", is_active=False)
    ProductFactory(
        name="No sizes left",
        variants=[{"label": "5 ml", "sku": "GONE-5", "price": 500, "is_active": False}],
    )

    index = client.get("/sitemap.xml")
    products = client.get("/sitemap-products.xml").content.decode()
    categories = client.get("/sitemap-categories.xml").content.decode()
    pages = client.get("/sitemap-pages.xml").content.decode()

    assert index.status_code == 200
    assert index["Content-Type"].startswith("application/xml")
    for section in ("pages", "categories", "products"):
        assert f"<loc>http://testserver/sitemap-{section}.xml</loc>" in index.content.decode()
    assert "<loc>http://testserver/products/lavender-oil/</loc>" in products
    assert "retired-oil" not in products
    assert "no-sizes-left" not in products  # every size switched off: not for sale
    assert "<loc>http://testserver/categories/candles/</loc>" in categories
    assert "<loc>http://testserver/</loc>" in pages
    assert "<loc>http://testserver/products/</loc>" in pages


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_pages(client, settings):
    settings.APP_URL = "https://shop.example.com"

    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Sitemap: https://shop.example.com/sitemap.xml" in body
    for private in ("/admin/", "/cart/", "/checkout/", "/account/"):
        assert f"Disallow: {private}\n" in body
