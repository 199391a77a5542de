"""Rich results and sharing: the JSON-LD search engines read, the cards a shared link shows,
the manifest an installed shop uses, all saying what the page itself says."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from scent.catalog import selectors, structured_data
from scent.catalog.inventory import refresh_product_summary, set_stock
from scent.catalog.models import ProductVariant
from scent.marketing.models import Review, ReviewStatus
from scent.marketing.services import reviews_moderate
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.APP_URL = SHOP
    settings.ALLOWED_HOSTS = ["*"]


class _Head(HTMLParser):
    """The JSON-LD blocks, the meta tags and the script elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.json_ld: list[dict] = []
        self.meta: dict[str, str] = {}
        self.scripts = 0
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
            self._in_ld = attrs.get("type") == "application/ld+json"
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs["content"]

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))


def read(client, url: str) -> tuple[_Head, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    head = _Head()
    head.feed(html)
    return head, html


def of_type(head: _Head, kind: str) -> dict:
    found = [item for item in head.json_ld if item.get("@type") == kind]
    assert len(found) == 1, [item.get("@type") for item in head.json_ld]
    return found[0]


@pytest.fixture
def lavender():
    product = ProductFactory(
        name="Lavender Oil",
        slug="lavender-oil",
        category=CategoryFactory(name="Oils", slug="oils"),
        short_description="Calm in a bottle.",
        variants=[
            {"label": "10 ml", "sku": "LAV-10", "price": 1250, "stock_quantity": 4},
            {"label": "30 ml", "sku": "LAV-30", "price": 2900, "stock_quantity": 0},
        ],
    )
    ProductImageFactory(product=product, image=image_bytes((640, 480)), position=0)
    return product


def test_the_product_page_json_ld_offers_each_size_at_the_page_price_and_stock(client, lavender):
    # given a product with an in-stock 10 ml and a sold-out 30 ml
    # when its page is read
    head, html = read(client, "/products/lavender-oil/")
    data = of_type(head, "Product")

    # then the JSON-LD names it, with an absolute picture, the shop as brand and a SKU
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Lavender Oil"
    assert data["description"]
    assert data["brand"]["name"] == "The Scent"
    assert data["sku"] == "LAV-10"
    assert data["image"] and all(url.startswith(f"{SHOP}/media/") for url in data["image"])
    # and one offer per size, at the prices the page shows, as decimal text
    offers = {offer["sku"]: offer for offer in data["offers"]}
    assert offers["LAV-10"]["price"] == "12.50"
    assert offers["LAV-30"]["price"] == "29.00"
    assert "$12.50" in html and "$29.00" in html
    assert {offer["priceCurrency"] for offer in offers.values()} == {"USD"}
    # and the sold-out size says so, as the page does
    assert offers["LAV-10"]["availability"] == "https://schema.org/InStock"
    assert offers["LAV-30"]["availability"] == "https://schema.org/OutOfStock"
    assert "Sold out" in html
    assert offers["LAV-30"]["url"] == f"{SHOP}/products/lavender-oil/?size=LAV-30"
    # and no rating is claimed without reviews
    assert "aggregateRating" not in data


def test_a_price_change_and_a_sell_out_show_in_the_page_and_its_json_ld_at_once(client, lavender):
    # given the product page was seen (and kept in the shared page cache)
    head, _ = read(client, "/products/lavender-oil/")
    assert {o["sku"]: o["price"] for o in of_type(head, "Product")["offers"]}["LAV-10"] == "12.50"

    # when staff change the 10 ml's price and it sells out
    size = ProductVariant.objects.get(sku="LAV-10")
    size.price = 1375
    size.save()
    refresh_product_summary(lavender)
    set_stock(variant=size, quantity=0)

    # then the next visitor sees the new price and stock in both the page and the JSON-LD
    head, html = read(client, "/products/lavender-oil/")
    offer = {o["sku"]: o for o in of_type(head, "Product")["offers"]}["LAV-10"]
    assert offer["price"] == "13.75"
    assert offer["availability"] == "https://schema.org/OutOfStock"
    assert "$13.75" in html and "$12.50" not in html


def test_the_rating_counts_only_approved_reviews(client, lavender):
    # given two approved reviews (5 and 4 stars) and a pending one of 1 star
    reviews = [
        Review.objects.create(
            product=lavender, user=UserFactory(), rating=rating, body="Noted.", status=status
        )
        for rating, status in ((5, ReviewStatus.PENDING), (4, ReviewStatus.PENDING))
    ]
    Review.objects.create(
        product=lavender, user=UserFactory(), rating=1, body="Hm.", status=ReviewStatus.PENDING
    )
    reviews_moderate(
        reviews=Review.objects.filter(pk__in=[r.pk for r in reviews]),
        status=ReviewStatus.APPROVED,
    )

    # when the page is read
    head, _ = read(client, "/products/lavender-oil/")

    # then the JSON-LD rates it 4.5 from two reviews
    rating = of_type(head, "Product")["aggregateRating"]
    assert rating["ratingValue"] == "4.50"
    assert rating["reviewCount"] == 2


def test_a_product_name_holding_a_script_end_tag_cannot_break_out_of_the_json_ld(client):
    # given a product whose name tries to close the script element
    name = 'Evil </script><script>alert(1)</script> & "oil"'
    ProductFactory(name=name, slug="evil-oil", short_description="</script><b>x")

    # when its page is read
    head, html = read(client, "/products/evil-oil/")

    # then the name stays inside the JSON (which still parses to the exact name)
    assert of_type(head, "Product")["name"] == name
    assert "<script>alert(1)" not in html
    ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld and all("<" not in block for block in ld)
    # and no script element was added (the page's own scripts plus the JSON-LD blocks)
    assert head.scripts == html.count("</script>")


def test_product_and_list_pages_carry_breadcrumbs(client, lavender):
    # when the product, its category and the list are read
    product, _ = read(client, "/products/lavender-oil/")
    category, _ = read(client, "/categories/oils/")
    shop, _ = read(client, "/products/")

    # then each has a BreadcrumbList of absolute addresses ending at the page itself
    def trail(head):
        items = of_type(head, "BreadcrumbList")["itemListElement"]
        assert [item["position"] for item in items] == list(range(1, len(items) + 1))
        return [(item["name"], item["item"]) for item in items]

    assert trail(product) == [
        ("Home", f"{SHOP}/"),
        ("Oils", f"{SHOP}/categories/oils/"),
        ("Lavender Oil", f"{SHOP}/products/lavender-oil/"),
    ]
    assert trail(category)[-1] == ("Oils", f"{SHOP}/categories/oils/")
    assert trail(shop) == [("Home", f"{SHOP}/"), ("Shop", f"{SHOP}/products/")]


def test_the_home_page_describes_the_shop_and_its_search(client):
    # when the home page is read
    head, _ = read(client, "/")

    # then it carries the Organization and the WebSite with a search that works
    assert of_type(head, "Organization")["name"] == "The Scent"
    assert of_type(head, "Organization")["url"] == f"{SHOP}/"
    assert of_type(head, "Organization")["logo"] == f"{SHOP}/static/img/icon-512.png"
    action = of_type(head, "WebSite")["potentialAction"]
    template = action["target"]["urlTemplate"]
    assert template == f"{SHOP}/products/?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"
    assert client.get(template.replace(SHOP, "").replace("{search_term_string}", "lavender"))


def test_a_shared_product_link_shows_its_name_description_and_picture(client, lavender):
    # when the product page is read
    head, _ = read(client, "/products/lavender-oil/")

    # then the OpenGraph and Twitter cards show the product, with an absolute picture
    meta = head.meta
    assert meta["og:type"] == "product"
    assert meta["og:title"] == "Lavender Oil"
    assert meta["og:description"] == "Calm in a bottle."
    assert meta["og:url"] == f"{SHOP}/products/lavender-oil/"
    assert meta["og:image"].startswith(f"{SHOP}/media/")
    assert meta["og:image"] == of_type(head, "Product")["image"][0]
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    assert meta["description"] == "Calm in a bottle."


@pytest.mark.parametrize(
    "url", ["/", "/products/", "/categories/oils/", "/cart/", "/accounts/login/"]
)
def test_every_storefront_page_has_a_description_and_sharing_cards(client, lavender, url):
    # when any storefront page is read
    head, _ = read(client, url)

    # then it has a meta description and cards with absolute addresses
    assert head.meta["description"].strip()
    assert head.meta["og:type"] == "website"
    assert head.meta["og:title"] and head.meta["og:description"]
    assert head.meta["og:image"].startswith(f"{SHOP}/")
    assert head.meta["og:url"].startswith(f"{SHOP}/")
    assert head.meta["twitter:card"] == "summary_large_image"


def test_a_category_page_is_described_by_its_own_description(client):
    # given a category with a description
    CategoryFactory(name="Candles", slug="candles", description="Soy candles, poured by hand.")

    # when its page is read
    head, _ = read(client, "/categories/candles/")

    # then search results and shared links use that description
    assert head.meta["description"] == "Soy candles, poured by hand."
    assert head.meta["og:title"] == "Candles"
    assert head.meta["og:description"] == "Soy candles, poured by hand."


def test_the_web_app_manifest_is_served_as_json_with_its_icons(client):
    # when a browser fetches the manifest the pages link to
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    response = client.get("/manifest.webmanifest")

    # then it is a manifest with the shop's name, colours and installable icons
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "The Scent"
    assert manifest["short_name"] and manifest["start_url"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.status_code == 200, icon["src"]
        assert (
            b"".join(picture.streaming_content if picture.streaming else [picture.content])[:8]
            == b"\x89PNG\r\n\x1a\n"
        )


def test_the_sitemap_lists_each_product_with_its_pictures(client, lavender):
    # given a second picture of the product, and a product without any
    ProductImageFactory(product=lavender, image=image_bytes((320, 240)), position=1)
    ProductFactory(name="Plain Soap", slug="plain-soap")

    # when a crawler reads the products' sitemap
    response = client.get("/sitemap-products.xml")

    # then it is valid XML in which the product's entry lists both pictures, absolute
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "image": "http://www.google.com/schemas/sitemap-image/1.1",
    }
    entries = {
        url.findtext("s:loc", namespaces=ns): [
            loc.text for loc in url.findall("image:image/image:loc", ns)
        ]
        for url in root.findall("s:url", ns)
    }
    pictures = entries["http://testserver/products/lavender-oil/"]
    assert len(pictures) == 2
    stored = [f"http://testserver{image.image.url}" for image in lavender.images.all()]
    assert sorted(pictures) == sorted(stored)
    assert entries["http://testserver/products/plain-soap/"] == []


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_catalogue_text_stays_inside_its_script_element(text):
    # given any text a product could hold (markup, quotes, separators, emoji)
    # when it is written as JSON-LD
    tag = structured_data.script_tag({"name": text})

    # then the element holds no "<" before its own end tag, and reads back exactly
    body = tag.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == {"name": text}


def test_the_json_ld_costs_the_product_page_no_query(
    client, lavender, django_assert_max_num_queries
):
    # given a product with two sizes, a picture and approved reviews
    review = Review.objects.create(product=lavender, user=UserFactory(), rating=4, body="Good.")
    reviews_moderate(reviews=Review.objects.filter(pk=review.pk), status=ReviewStatus.APPROVED)

    # when its page is rendered (not served from the shared page cache)
    with override_settings(PAGE_CACHE_SECONDS=0), django_assert_max_num_queries(10):
        head, _ = read(client, "/products/lavender-oil/")

    # then it has the full JSON-LD within the page's usual query budget
    data = of_type(head, "Product")
    assert (
        len(data["offers"]) == 2 and data["image"] and data["aggregateRating"]["reviewCount"] == 1
    )
    assert of_type(head, "BreadcrumbList")


def test_building_the_json_ld_reads_only_what_the_page_loaded(lavender, django_assert_num_queries):
    # given the product as the product page loads it (sizes, category, pictures)
    item = selectors.product_for_page(slug="lavender-oil")
    sizes, _ = selectors.product_sizes(item)
    selectors.product_page_images([item])
    images = list(item.images.all())

    # when its JSON-LD is built, then no query runs
    with django_assert_num_queries(0):
        structured_data.script_tag(
            structured_data.product(item, sizes=sizes, images=images, base=SHOP),
            structured_data.product_breadcrumbs(item, base=SHOP),
        )
