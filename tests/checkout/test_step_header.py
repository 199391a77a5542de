"""The checkout steps read the cart once: the header's count comes from the same read."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.checkout.test_flow import ADDRESS
from tests.factories import ProductFactory, ShippingMethodFactory

pytestmark = pytest.mark.django_db


def _header_count(html: str) -> str:
    return re.search(r"data-cart-count>(\d+)</span>", html).group(1)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_step_shows_the_carts_count_from_the_one_read_of_the_cart(client, signed_in):
    """Given 3 units in the cart (a guest's or a customer's), when each step is shown,
    then the header says 3 and the cart is not counted a second time."""
    if signed_in:
        from tests.factories import UserFactory

        client.force_login(UserFactory())
    standard = ShippingMethodFactory(name="Standard", code="t-standard", price=495)
    client.post(reverse("cart:add"), {"product_id": ProductFactory(price=900).pk, "quantity": 2})
    client.post(reverse("cart:add"), {"product_id": ProductFactory(price=500).pk, "quantity": 1})
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": standard.pk})

    for step in ("contact", "address", "shipping", "coupon", "review"):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse(f"checkout:{step}"))
        assert page.status_code == 200
        assert _header_count(page.content.decode()) == "3", step
        sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
        assert sums == [], step
