"""Placing an order with a tampered expected total past any amount: a message, no order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scent.orders.models import Order
from tests.checkout.test_flow import ADDRESS, _fill_cart

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("total", ["10000000000000000000", "-1", "9" * 5000, "\u0661\u0662"])
def test_a_tampered_expected_total_sends_the_shopper_back_to_review(client, shop, total):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})

    response = client.post(reverse("checkout:place"), {"expected_total": total}, follow=True)

    assert response.status_code == 200
    assert "Please review your order and try again." in response.content.decode()
    assert not Order.objects.exists()
