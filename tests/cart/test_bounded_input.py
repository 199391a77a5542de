"""Ids and quantities past what a database column holds: a message, never a 500 (issue 12)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from scent.cart.models import CartItem
from tests.factories import ProductFactory, variant_of

pytestmark = pytest.mark.django_db

HUGE = "10000000000000000000"  # more than a signed 64-bit integer holds


@pytest.fixture
def cart_with_oil(client):
    """Given a guest with 2 of Lavender Oil in the cart."""
    oil = ProductFactory(name="Lavender Oil", price=1250, stock_quantity=4)
    client.post(reverse("cart:add"), {"product_id": oil.pk, "quantity": 2})
    return variant_of(oil)


def _lines():
    return list(CartItem.objects.values_list("variant_id", "quantity"))


@pytest.mark.parametrize("field", ["product_id", "variant_id"])
@pytest.mark.parametrize("name", ["cart:update", "cart:remove"])
def test_a_huge_id_on_update_or_remove_is_a_message_and_the_cart_is_kept(
    client, cart_with_oil, name, field
):
    before = _lines()

    response = client.post(reverse(name), {field: HUGE, "quantity": "1"})

    assert response.status_code == 302
    assert "That product is not in your cart." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert _lines() == before == [(cart_with_oil.pk, 2)]


@pytest.mark.parametrize("field", ["product_id", "variant_id"])
def test_adding_a_huge_id_says_the_product_does_not_exist(client, cart_with_oil, field):
    response = client.post(reverse("cart:add"), {field: HUGE, "quantity": "1"})

    assert response.status_code == 302
    assert "That product does not exist." in [str(m) for m in get_messages(response.wsgi_request)]
    assert _lines() == [(cart_with_oil.pk, 2)]


@pytest.mark.parametrize("quantity", [HUGE, "-" + HUGE, "9" * 5000, "1_0", "\u0661"])
def test_a_huge_or_foreign_quantity_is_refused_and_the_line_keeps_its_quantity(
    client, cart_with_oil, quantity
):
    response = client.post(
        reverse("cart:update"), {"variant_id": cart_with_oil.pk, "quantity": quantity}
    )

    assert response.status_code == 302
    assert get_messages(response.wsgi_request)
    assert _lines() == [(cart_with_oil.pk, 2)]
