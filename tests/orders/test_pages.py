"""Order pages: account history and detail, guest links, confirmation; nobody sees others' orders."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from scent.orders import services
from scent.orders.links import guest_order_path, guest_token
from tests.factories import UserFactory
from tests.orders.support import make_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def ada_order(ada, lavender):
    return services.place_order(checkout=make_checkout([(lavender, 2)], user=ada, email=ada.email))


def test_a_customer_sees_their_orders_in_the_account(client, ada, ada_order):
    client.force_login(ada)

    listing = client.get(reverse("orders:account_list")).content.decode()
    detail = client.get(ada_order.get_absolute_url())
    overview = client.get(reverse("accounts:account")).content.decode()

    assert ada_order.number in listing
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Lavender Oil" in body
    assert '<span data-size>— 10 ml</span> <span class="muted">LAV-10</span>' in body
    assert "Awaiting payment" in body
    assert reverse("payments:pay", kwargs={"order_number": ada_order.number}) in body
    assert "Order placed" in body  # the history
    assert ada_order.number in overview


def test_another_customers_order_is_a_404(client, ada_order):
    client.force_login(UserFactory())

    assert client.get(ada_order.get_absolute_url()).status_code == 404
    assert ada_order.number not in client.get(reverse("orders:account_list")).content.decode()
    confirmation = reverse("orders:confirmation", kwargs={"number": ada_order.number})
    assert client.get(confirmation).status_code == 404


def test_the_account_pages_need_a_login(client, ada_order):
    response = client.get(reverse("orders:account_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_guest_opens_their_order_with_the_signed_link(client, lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    ok = client.get(guest_order_path(order.number))
    forged = client.get(
        reverse("orders:guest_detail", kwargs={"number": order.number}) + "?token=forged"
    )
    other = services.place_order(checkout=make_checkout([(lavender, 1)], email="b@example.com"))
    swapped = client.get(
        reverse("orders:guest_detail", kwargs={"number": other.number})
        + f"?token={guest_token(order.number)}"
    )

    assert ok.status_code == 200
    assert order.number in ok.content.decode()
    assert forged.status_code == 404
    assert swapped.status_code == 404


def test_the_order_list_uses_a_fixed_number_of_queries(
    client, ada, lavender, django_assert_max_num_queries
):
    for _ in range(4):
        services.place_order(checkout=make_checkout([(lavender, 1)], user=ada, email=ada.email))
    client.force_login(ada)

    with django_assert_max_num_queries(10):
        client.get(reverse("orders:account_list"))


def test_order_pages_use_a_fixed_number_of_queries(
    client, ada, lavender, cedar, django_assert_max_num_queries
):
    order = services.place_order(
        checkout=make_checkout([(lavender, 1), (cedar, 2)], user=ada, email=ada.email)
    )
    client.force_login(ada)

    with django_assert_max_num_queries(10):
        assert client.get(order.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(10):
        url = reverse("orders:confirmation", kwargs={"number": order.number})
        assert client.get(url).status_code == 200


def test_the_link_in_a_guests_confirmation_email_opens_the_order(client, lavender):
    from tests.orders.support import queued_emails

    order = services.place_order(checkout=make_checkout([(lavender, 1)], email="guest@example.com"))
    services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency="USD",
        gateway="test",
        reference="pi",
    )
    link = queued_emails("order_confirmation")[0]["context"]["order_url"]

    response = client.get(link.removeprefix(settings.APP_URL))

    assert response.status_code == 200
    assert "Lavender Oil" in response.content.decode()


@pytest.mark.parametrize(
    "template", ["order_confirmation", "order_shipped", "order_cancelled", "order_refunded"]
)
def test_every_order_email_names_the_size_and_sku_of_each_line(lavender, template):
    from scent.core.emails import render_email

    order = services.place_order(checkout=make_checkout([(lavender, 1)]))
    context = {**services.email_context(order), "refund_amount": "$1.00"}

    _subject, text, html = render_email(template, context)

    assert "1 x Lavender Oil, 10 ml (LAV-10)" in text
    assert "Lavender Oil — 10 ml" in html and "SKU LAV-10" in html
