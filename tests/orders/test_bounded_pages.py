"""The order history's page number: anything out of range shows the first page."""

from __future__ import annotations

import pytest

from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["10000000000000000000", "-1", "9" * 5000, "<script>"])
def test_a_bad_page_number_shows_the_first_page_of_orders(client, page):
    customer = UserFactory()
    order = OrderFactory(user=customer)
    client.force_login(customer)

    response = client.get("/account/orders/", {"page": page})

    assert response.status_code == 200
    assert order.number in response.content.decode()
    assert "<script>" not in response.content.decode()
