"""Wishlist: signed-in shoppers add and remove products; guests are sent to log in."""

from __future__ import annotations

import pytest

from scent.marketing.models import WishlistItem

pytestmark = pytest.mark.django_db


def test_add_from_the_product_page_and_see_it_on_the_wishlist(client, shop, customer):
    client.force_login(customer)
    lavender = shop["lavender"]
    assert b"Add to wishlist" in client.get("/products/lavender-oil/").content

    response = client.post(
        "/wishlist/add/", {"product_id": lavender.pk, "next": "/products/lavender-oil/"}
    )

    assert response["Location"] == "/products/lavender-oil/"
    assert b"On your wishlist" in client.get("/products/lavender-oil/").content
    page = client.get("/account/wishlist/").content.decode()
    assert "Lavender oil" in page and "$18.00" in page


def test_adding_twice_keeps_one(client, shop, customer):
    client.force_login(customer)
    for _ in range(2):
        client.post("/wishlist/add/", {"product_id": shop["lavender"].pk})

    assert WishlistItem.objects.count() == 1


def test_remove(client, shop, customer):
    client.force_login(customer)
    client.post("/wishlist/add/", {"product_id": shop["lavender"].pk})

    response = client.post("/wishlist/remove/", {"product_id": shop["lavender"].pk})

    assert response["Location"] == "/account/wishlist/"
    assert not WishlistItem.objects.exists()
    assert b"Your wishlist is empty" in client.get("/account/wishlist/").content


def test_guests_are_sent_to_log_in_and_come_back_to_the_product(client, shop):
    response = client.post(
        "/wishlist/add/", {"product_id": shop["lavender"].pk, "next": "/products/lavender-oil/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/products/lavender-oil/"
    assert client.get("/account/wishlist/")["Location"].startswith("/accounts/login/")
    assert not WishlistItem.objects.exists()


@pytest.mark.parametrize("product_id", ["", "abc", "999999"])
def test_unknown_products_are_a_message_not_a_crash(client, shop, customer, product_id):
    client.force_login(customer)

    add = client.post("/wishlist/add/", {"product_id": product_id}, follow=True)
    remove = client.post("/wishlist/remove/", {"product_id": product_id})

    assert add.status_code == 200 and remove.status_code == 302
    assert not WishlistItem.objects.exists()


def test_inactive_products_cannot_be_added_and_drop_off_the_page(client, shop, customer):
    client.force_login(customer)
    client.post("/wishlist/add/", {"product_id": shop["hidden"].pk})
    assert not WishlistItem.objects.exists()

    client.post("/wishlist/add/", {"product_id": shop["lemon"].pk})
    shop["lemon"].is_active = False
    shop["lemon"].save()

    page = client.get("/account/wishlist/").content.decode()
    assert 'href="/products/lemon-oil/"' not in page
    assert "Your wishlist is empty" in page


def test_get_is_not_allowed_for_changes(client, shop, customer):
    client.force_login(customer)

    assert client.get("/wishlist/add/").status_code == 405


def test_wishlist_page_query_budget(client, shop, customer, django_assert_max_num_queries):
    client.force_login(customer)
    for product in ("lavender", "lemon", "rose_candle", "cedar_candle"):
        client.post("/wishlist/add/", {"product_id": shop[product].pk})

    with django_assert_max_num_queries(7):
        response = client.get("/account/wishlist/")

    assert response.content.decode().count('class="product-card"') == 4


def test_cards_on_product_lists_have_a_heart_that_toggles(client, shop, customer):
    client.force_login(customer)
    client.post("/wishlist/add/", {"product_id": shop["lemon"].pk})

    html = client.get("/products/").content.decode()

    assert "Remove Lemon oil from your wishlist" in html
    assert "Add Lavender oil to your wishlist" in html
    category = client.get("/categories/candles/").content.decode()
    assert "Add Rose candle to your wishlist" in category


def test_a_guest_heart_leads_to_log_in(client, shop):
    html = client.get("/products/").content.decode()
    assert "Add Lavender oil to your wishlist" in html

    response = client.post(
        "/wishlist/add/", {"product_id": shop["lavender"].pk, "next": "/products/?sort=price_asc"}
    )

    assert response["Location"] == "/accounts/login/?next=/products/%3Fsort%3Dprice_asc"


def test_home_cards_have_no_heart(client, shop, customer):
    shop["lavender"].is_featured = True
    shop["lavender"].save()
    client.force_login(customer)

    html = client.get("/").content.decode()

    assert "Lavender oil" in html
    assert "to your wishlist" not in html


@pytest.mark.parametrize("url", ["/products/", "/categories/candles/"])
def test_hearts_cost_one_query_for_a_signed_in_shopper(
    client, shop, customer, url, django_assert_max_num_queries
):
    client.force_login(customer)

    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert response.status_code == 200
