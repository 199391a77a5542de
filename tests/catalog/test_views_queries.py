"""Query budgets: every storefront page runs at most 10 queries (11 for a signed-in shopper on
a product page), however big the catalogue and however many sizes its products have."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scent.catalog.models import ScentFamily
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    """These budgets are what rendering a page costs (a page the shared page cache has not
    kept yet); serving a kept page is budgeted in test_shared_pages.py."""
    settings.PAGE_CACHE_SECONDS = 0


BUDGET = 10
# A signed-in shopper adds the session and user rows and the cart count; the product page
# has had one query more since sizes (its active sizes), so it is 11 there.
SIGNED_IN_BUDGET = {"/products/lavender-0/": 11}
PICTURE = image_bytes((64, 64))

PAGES = {
    "home": "/",
    "product list": "/products/",
    "filtered, searched and sorted list": (
        "/products/?q=lavender&family=floral&mood=calm&min_price=5&max_price=99.99"
        "&in_stock=1&sort=price_asc"
    ),
    "second page": "/products/?sort=newest&page=2",
    "category page": "/categories/oils/?sort=name",
    "product page": "/products/lavender-0/",
}


def add_products(count: int, start: int = 0) -> None:
    """Products with everything a page shows: two pictures, three notes, two moods and
    one to three sizes."""
    oils = CategoryFactory(name="Oils", slug="oils")
    candles = CategoryFactory(name="Candles", slug="candles")
    calm, sleep = MoodFactory(name="Calm"), MoodFactory(name="Sleep")
    notes = [NoteFactory(name=n) for n in ("Lavender", "Bergamot", "Vetiver")]
    for n in range(start, start + count):
        product = ProductFactory(
            variants=[
                {"label": f"{ml} ml", "sku": f"LAV-{n}-{ml}", "price": 1000 + n * ml}
                for ml in (5, 10, 30)[: 1 + n % 3]
            ],
            name=f"Lavender {n}",
            slug=f"lavender-{n}",
            category=oils if n % 3 else candles,
            scent_family=ScentFamily.FLORAL,
            is_featured=True,
            moods=[calm, sleep],
            with_notes={"top": notes[:1], "heart": notes[1:2], "base": notes[2:]},
        )
        for position in range(2):
            ProductImageFactory(product=product, image=PICTURE, position=position)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
def test_page_stays_within_budget_and_does_not_grow_with_the_catalogue(
    client, url, django_assert_max_num_queries
):
    add_products(13)  # enough for a second page of 12
    with django_assert_max_num_queries(BUDGET):
        client.get(url)
    small = queries_for(client, url)

    add_products(17, start=13)
    large = queries_for(client, url)

    assert small <= BUDGET
    assert large == small, f"{url}: {small} queries with 13 products, {large} with 30"


@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
def test_budget_holds_for_a_logged_in_shopper(client, url, django_assert_max_num_queries):
    add_products(3)
    client.force_login(UserFactory())
    if "page=2" in url:
        url = url.replace("page=2", "page=1")

    with django_assert_max_num_queries(SIGNED_IN_BUDGET.get(url, BUDGET)):
        response = client.get(url)

    assert response.status_code == 200


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [3, 30])
def test_three_and_thirty_products_cost_the_same(client, count):
    """The budget with 3 products equals the one with 30 on every page."""
    add_products(count)
    counts = {
        name: queries_for(client, url.replace("page=2", "page=1")) for name, url in PAGES.items()
    }

    assert all(n <= BUDGET for n in counts.values()), counts
    # Pinned so a new query on any page is noticed; both parametrisations must agree.
    assert counts == EXPECTED_QUERIES, counts


# home: featured, their images, categories, moods; ingredients: the featured products'
# notes and, when fewer than six have an origin, other notes with their products;
# testimonials.
# lists: categories, moods, count, products (+category join), images.
# product: product (+category), moods, notes (+note join), its active sizes, related (+category),
# images of the product and the related ones together, nav categories; reviews (the
# average, approved reviews and a signed-in shopper's wishlist/bought state in one query).
EXPECTED_QUERIES = {
    "home": 7,
    "product list": 5,
    "filtered, searched and sorted list": 5,
    "second page": 5,
    "category page": 5,
    "product page": 8,
}
