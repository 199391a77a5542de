"""Wishlist ids past what a database column holds: a message, never a 500 (issue 12)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from scent.marketing.models import WishlistItem

pytestmark = pytest.mark.django_db

HUGE = "10000000000000000000"


def test_removing_a_huge_product_id_keeps_the_wishlist(client, shop, customer):
    client.force_login(customer)
    client.post("/wishlist/add/", {"product_id": shop["lavender"].pk})

    response = client.post("/wishlist/remove/", {"product_id": HUGE})

    assert response.status_code == 302
    assert "That product is not on your wishlist." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert list(WishlistItem.objects.values_list("product_id", flat=True)) == [shop["lavender"].pk]


def test_adding_a_huge_product_id_says_it_is_not_available(client, shop, customer):
    client.force_login(customer)

    response = client.post("/wishlist/add/", {"product_id": HUGE}, follow=True)

    assert response.status_code == 200
    assert "That product is no longer available." in response.content.decode()
    assert not WishlistItem.objects.exists()
