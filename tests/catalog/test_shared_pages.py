"""Storefront pages shared by visitors who are not signed in (scent.core.page_cache):
served without rendering or queries, never stale after a catalogue change, and never
carrying one visitor's token, cart or messages to another."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.test import Client

from scent.catalog import inventory, services
from scent.catalog.models import ProductVariant
from scent.core import page_cache
from tests.factories import ProductFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db

PAGES = ["/", "/products/", "/products/?sort=price_asc", "/categories/oils/", "/products/lavender/"]


@pytest.fixture
def lavender():
    from tests.factories import CategoryFactory

    return ProductFactory(
        name="Lavender",
        slug="lavender",
        category=CategoryFactory(name="Oils", slug="oils"),
        is_featured=True,
        sku="EO-LAV-10",
        price=1250,
        stock_quantity=8,
    )


def cart_count(html: str) -> str:
    return re.search(r"data-cart-count>(\d+)</span>", html).group(1)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


@pytest.mark.parametrize("url", PAGES)
def test_a_kept_page_is_served_without_a_query_or_a_render(
    client, lavender, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200

    with django_assert_num_queries(0):
        again = client.get(url)

    assert again.status_code == 200
    assert again.templates == []  # nothing rendered
    assert without_tokens(again.content.decode()) == without_tokens(first.content.decode())


@pytest.mark.parametrize("url", ["/products/", "/products/lavender/", "/"])
def test_a_sale_that_sells_out_a_size_shows_at_once(client, lavender, url):
    assert "Sold out" not in client.get(url).content.decode()

    inventory.set_stock(variant=variant_of(lavender), quantity=0)

    assert "Sold out" in client.get(url).content.decode()


def test_a_new_price_shows_at_once(client, lavender):
    assert "$12.50" in client.get("/products/lavender/").content.decode()

    size = variant_of(lavender)
    size.price = 990
    size.save()
    inventory.refresh_product_summary(lavender)

    page = client.get("/products/lavender/").content.decode()
    assert "$9.90" in page and "$12.50" not in page
    assert "$9.90" in client.get("/products/").content.decode()


def test_a_hidden_product_is_gone_at_once(client, lavender):
    assert client.get("/products/lavender/").status_code == 200
    assert "Lavender" in client.get("/products/").content.decode()

    services.set_products_active(product_ids=[lavender.pk], active=False)

    assert client.get("/products/lavender/").status_code == 404
    assert 'href="/products/lavender/"' not in client.get("/products/").content.decode()


def test_a_renamed_product_and_a_new_one_show_at_once(client, lavender):
    client.get("/products/")
    lavender.name = "Lavender Fields"
    lavender.save()
    ProductFactory(name="Cedar Candle", category=lavender.category)

    page = client.get("/products/").content.decode()
    assert "Lavender Fields" in page and "Cedar Candle" in page


def test_the_version_changes_again_when_the_change_commits(
    lavender, django_capture_on_commit_callbacks
):
    """A page rendered from the old rows while the change was being written is kept under
    the version seen during the write; the commit moves past it."""
    with django_capture_on_commit_callbacks(execute=True):
        inventory.set_stock(variant=variant_of(lavender), quantity=3)
        during = page_cache.catalogue_version()
    assert page_cache.catalogue_version() != during


def test_visitors_each_get_their_own_token_cart_count_and_messages(lavender):
    # given visitor A put something in the cart and sees the list with its message
    ada, bea = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page = ada.get("/products/lavender/").content.decode()
    [token] = csrf_tokens(page)
    size = variant_of(lavender)
    added = ada.post("/cart/add/", {"csrfmiddlewaretoken": token, "variant_id": size.pk})
    assert added.status_code == 302
    ada_page = ada.get("/products/lavender/").content.decode()
    assert cart_count(ada_page) == "1"
    assert "Added Lavender (10 ml) to your cart." in ada_page

    # when visitor B opens the same page (kept since A's first visit)
    bea_page = bea.get("/products/lavender/").content.decode()

    # then B sees no cart, no message of A's and a token of B's own that B can use
    assert cart_count(bea_page) == "0"
    assert "Added Lavender" not in bea_page
    bea_tokens = csrf_tokens(bea_page)
    assert bea_tokens and not bea_tokens & csrf_tokens(ada_page)
    assert "SCENTHOLE" not in bea_page and "SCENTHOLE" not in ada_page
    response = bea.post(
        "/cart/add/", {"csrfmiddlewaretoken": bea_tokens.pop(), "variant_id": size.pk}
    )
    assert response.status_code == 302
    # and A's message was shown once
    assert "Added Lavender" not in ada.get("/products/lavender/").content.decode()


def test_a_signed_in_shopper_always_gets_their_own_page(client, lavender):
    anonymous = client.get("/products/").content.decode()
    assert "Log out" not in anonymous

    client.force_login(UserFactory(first_name="Ada"))
    page = client.get("/products/")

    assert page.templates  # rendered for them
    assert "Log out" in page.content.decode()
    client.logout()
    assert "Log out" not in client.get("/products/").content.decode()


def test_each_theme_has_its_own_kept_page(client, lavender):
    client.get("/products/")
    client.cookies["theme"] = "dark"

    assert 'data-theme="dark"' in client.get("/products/").content.decode()
    client.cookies["theme"] = "light"
    assert 'data-theme="light"' in client.get("/products/").content.decode()


def test_a_link_to_one_size_is_kept_apart_from_the_page(client):
    ProductFactory(
        slug="neroli",
        variants=[
            {"label": "5 ml", "sku": "NER-5", "price": 700},
            {"label": "10 ml", "sku": "NER-10", "price": 1200},
        ],
    )
    client.get("/products/neroli/")

    page = client.get("/products/neroli/?size=NER-10").content.decode()

    assert re.search(r'value="\d+" checked[^>]*data-price="\$12.00"', page)


def test_answers_other_than_a_page_are_not_kept(client):
    assert client.get("/products/nothing-here/").status_code == 404

    again = client.get("/products/nothing-here/")
    assert again.status_code == 404 and again.templates  # rendered again, not kept


def test_the_page_cache_can_be_turned_off(client, lavender, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/products/")

    assert client.get("/products/").templates


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/11")


@pytest.mark.redis
def test_with_redis_every_process_sees_the_new_version(client, lavender, settings):
    """The version lives in the shared cache: another web process (here: the pages cache
    emptied of nothing, the version read from Redis) stops serving the old page too."""
    import redis

    from scent.settings import _cache

    prefix = f"scent-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": _cache("redis") | {"LOCATION": REDIS_TEST_URL, "KEY_PREFIX": prefix},
    }
    try:
        assert "Sold out" not in client.get("/products/").content.decode()
        server = redis.Redis.from_url(REDIS_TEST_URL)
        assert any(page_cache.VERSION_KEY in key.decode() for key in server.scan_iter(f"{prefix}*"))

        ProductVariant.objects.filter(product=lavender).update(stock_quantity=0)
        inventory.refresh_product_summary(lavender)

        assert "Sold out" in client.get("/products/").content.decode()
    finally:
        for key in redis.Redis.from_url(REDIS_TEST_URL).scan_iter(f"{prefix}*"):
            redis.Redis.from_url(REDIS_TEST_URL).delete(key)


def test_a_list_is_counted_once_per_filter_set_and_again_after_a_change(client, lavender):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        counted = sum("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
        return counted, re.search(r"(\d+) products?\b", page).group(1)

    assert counts("/products/?sort=name") == (1, "1")
    # another sort of the same products: a new page, the same count
    assert counts("/products/?sort=price_asc") == (0, "1")
    # a new product: counted again
    ProductFactory(name="Cedar Candle", category=lavender.category)
    assert counts("/products/?sort=newest") == (1, "2")


def _quantity_max(html: str) -> str:
    return re.search(r'id="quantity"[^>]* max="(\d+)"', html).group(1)


def test_a_sale_from_a_busy_shelf_keeps_every_shared_page(client, lavender):
    """Given 500 of a size, when an order takes one, then no page can tell (pages show at
    most 99 of a size), so the kept pages and the catalogue version stay: the next
    shopper is served without a render."""
    inventory.set_stock(variant=variant_of(lavender), quantity=500)
    before = client.get("/products/lavender/").content.decode()
    version = page_cache.catalogue_version()
    assert _quantity_max(before) == "99"

    inventory.reserve_stock({variant_of(lavender).pk: 1}, reference="order")

    assert page_cache.catalogue_version() == version
    again = client.get("/products/lavender/")
    assert again.templates == []
    assert without_tokens(again.content.decode()) == without_tokens(before)
    assert variant_of(lavender).stock_quantity == 499  # the sale itself was recorded


@pytest.mark.parametrize(
    ("start", "taken", "shown"),
    [(100, 2, 'max="98"'), (99, 1, 'max="98"'), (7, 3, "Only 4 left"), (1, 1, "Sold out")],
)
def test_a_sale_the_page_can_tell_shows_at_once(client, lavender, start, taken, shown):
    """Given a size with `start` units, when an order takes `taken`, then the next view
    of the product page shows the new quantity max, low-stock badge or sold-out state."""
    inventory.set_stock(variant=variant_of(lavender), quantity=start)
    assert shown not in client.get("/products/lavender/").content.decode()

    inventory.reserve_stock({variant_of(lavender).pk: taken}, reference="order")

    assert shown in client.get("/products/lavender/").content.decode()


def test_the_pages_tell_as_much_stock_as_the_cart_can_hold():
    """The cart caps a line at MAX_QUANTITY; a shelf of more than the pages tell can
    never make a cart line short, so not telling it loses nothing."""
    from scent.cart.services import MAX_QUANTITY

    assert inventory.SHOWN_STOCK_LIMIT == MAX_QUANTITY


def test_a_cart_past_the_shelf_shows_the_problem_after_a_sale(client, lavender):
    """Given a cart holding 60 of a size with 100 on the shelf, when orders take 45, then
    the kept cart page says only 55 are left."""
    size = variant_of(lavender)
    inventory.set_stock(variant=size, quantity=100)
    client.get("/products/lavender/")
    token = csrf_tokens(client.get("/cart/").content.decode())
    assert token
    client.post("/cart/add/", {"variant_id": size.pk, "quantity": 60})
    assert "in stock: please lower" not in client.get("/cart/").content.decode()

    inventory.reserve_stock({size.pk: 45}, reference="order")

    assert "Only 55 in stock: please lower the quantity." in client.get("/cart/").content.decode()
