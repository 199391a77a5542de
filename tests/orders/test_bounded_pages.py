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


@pytest.mark.parametrize("number", ["T%00", "%3Cscript%3E", "x" * 100_000, "%FF%FE"])
@pytest.mark.parametrize(
    "page", ["/orders/{}/", "/orders/{}/confirmation/", "/account/orders/{}/", "/checkout/pay/{}/"]
)
def test_an_order_number_that_is_no_order_number_is_not_found(client, number, page):
    """A NUL byte reached PostgreSQL (which refuses it: a 500); markup and 100 kB too."""
    client.force_login(UserFactory())

    response = client.get(page.format(number))

    assert response.status_code == 404


def test_a_payment_id_that_is_no_id_on_return_from_stripe_is_no_500(client):
    customer = UserFactory()
    order = OrderFactory(user=customer)
    client.force_login(customer)

    response = client.get(f"/checkout/pay/{order.number}/return/", {"payment_intent": "pi_\x00"})

    assert response.status_code < 500
