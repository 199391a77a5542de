"""The cart page is kept per cart and version (scent.core.page_cache, `vary`): shown again
without a render, yet never stale after the cart or the catalogue changes, and never one
shopper's lines, token or messages on another's page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scent.catalog import inventory
from tests.factories import ProductFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def lavender():
    return ProductFactory(name="Lavender", sku="EO-LAV-10", price=1250, stock_quantity=8)


@pytest.fixture
def cedar():
    return ProductFactory(name="Cedarwood", sku="EO-CED-10", price=900, stock_quantity=8)


def add(client: Client, product, quantity: int = 1) -> None:
    response = client.post(
        "/cart/add/", {"variant_id": variant_of(product).pk, "quantity": quantity}
    )
    assert response.status_code == 302


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_a_cart_seen_again_is_not_rendered_again(client, lavender):
    add(client, lavender)
    client.get("/cart/")

    again = client.get("/cart/")

    assert again.status_code == 200
    assert again.templates == []  # served from the kept render
    assert "Lavender" in again.content.decode()
    assert tokens(again.content.decode())  # the forms still carry a token


def test_every_change_to_the_cart_shows_at_once(client, lavender, cedar):
    add(client, lavender)
    assert "Cedarwood" not in client.get("/cart/").content.decode()

    add(client, cedar)
    assert "Cedarwood" in client.get("/cart/").content.decode()

    client.post("/cart/update/", {"variant_id": variant_of(lavender).pk, "quantity": 3})
    assert 'value="3"' in client.get("/cart/").content.decode()

    client.post("/cart/remove/", {"variant_id": variant_of(cedar).pk})
    page = client.get("/cart/").content.decode()
    assert "Cedarwood" not in page
    assert "Lavender" in page


def test_a_new_price_and_a_sell_out_show_at_once(client, lavender):
    add(client, lavender)
    assert "$12.50" in client.get("/cart/").content.decode()

    size = variant_of(lavender)
    size.price = 990
    size.save()
    assert "$9.90" in client.get("/cart/").content.decode()

    inventory.set_stock(variant=variant_of(lavender), quantity=0)
    page = client.get("/cart/").content.decode()
    assert 'class="line-problem"' in page


def test_no_shopper_sees_another_shoppers_cart_or_token(lavender, cedar):
    alice, bob, newcomer = Client(), Client(), Client()
    add(alice, lavender)
    add(bob, cedar)
    alice_page = alice.get("/cart/").content.decode()

    bob_page = bob.get("/cart/").content.decode()
    newcomer_page = newcomer.get("/cart/").content.decode()

    assert "Cedarwood" in bob_page and "Lavender" not in bob_page
    assert "Your cart is empty" in newcomer_page and "Lavender" not in newcomer_page
    assert tokens(alice_page).isdisjoint(tokens(bob_page))
    assert not alice.get("/cart/").templates  # Alice's own kept page is still hers
    assert "Lavender" in alice.get("/cart/").content.decode()


def test_a_signed_in_shopper_gets_their_own_cart_and_header(lavender, cedar):
    guest, customer = Client(), Client()
    add(guest, lavender)
    guest.get("/cart/")
    customer.force_login(UserFactory())
    add(customer, cedar, quantity=2)

    page = customer.get("/cart/").content.decode()
    again = customer.get("/cart/").content.decode()

    for shown in (page, again):
        assert "Cedarwood" in shown and "Lavender" not in shown
        assert "Log out" in shown
        assert re.search(r"data-cart-count>2</span>", shown)


def test_the_token_on_a_kept_page_is_accepted(lavender):
    shopper = Client(enforce_csrf_checks=True)
    shopper.get("/products/")  # any page: the CSRF cookie
    token = shopper.cookies["csrftoken"].value
    shopper.post(
        "/cart/add/",
        {"variant_id": variant_of(lavender).pk, "quantity": 1, "csrfmiddlewaretoken": token},
    )
    shopper.get("/cart/")
    kept = shopper.get("/cart/").content.decode()
    form_token = sorted(tokens(kept))[0]

    response = shopper.post(
        "/cart/update/",
        {"variant_id": variant_of(lavender).pk, "quantity": 2, "csrfmiddlewaretoken": form_token},
    )

    assert response.status_code == 302
    assert 'value="2"' in shopper.get("/cart/").content.decode()


def test_messages_are_shown_once_on_a_kept_page(client, lavender):
    add(client, lavender)
    client.get("/cart/")  # shows "Added ..."
    client.post("/cart/update/", {"variant_id": variant_of(lavender).pk, "quantity": 2})
    client.get("/cart/")
    client.post("/cart/update/", {"variant_id": variant_of(lavender).pk, "quantity": 3})

    shown = client.get("/cart/").content.decode()
    after = client.get("/cart/").content.decode()

    assert "Updated" in shown
    assert "Updated" not in after
