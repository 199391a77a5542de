"""The checkout asks for an address with the address book's own form: what one takes,
the other keeps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scent.accounts.models import Address
from scent.checkout.forms import AddressForm
from scent.checkout.selectors import SESSION_KEY
from tests.checkout.test_flow import ADDRESS, _fill_cart
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_phone_the_address_book_refuses_is_refused_at_checkout_with_its_reason(client, shop):
    """Given a shopper at the address step, when they type a phone of letters, then the
    step says what a phone may hold, as the address book does, and nothing is kept."""
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})

    page = client.post(reverse("checkout:address"), {**ADDRESS, "phone": "call me maybe"})

    assert page.status_code == 200
    assert "Enter a phone number with digits only" in page.content.decode()
    assert "address" not in client.session[SESSION_KEY]


def test_the_postcode_is_written_as_the_address_book_writes_it(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})

    client.post(reverse("checkout:address"), {**ADDRESS, "postal_code": "  ba1   1aa "})

    assert client.session[SESSION_KEY]["address"]["postal_code"] == "BA1 1AA"


def test_a_signed_in_shoppers_address_with_a_phone_lands_in_the_book(client, shop):
    """Given a signed-in shopper who ticks "save", when the address has a phone, then the
    book keeps exactly what the checkout took (no "could not be saved" surprise)."""
    user = UserFactory()
    client.force_login(user)
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": user.email})

    client.post(
        reverse("checkout:address"), {**ADDRESS, "phone": "+44 20 7946 0958", "save_address": "on"}
    )

    saved = Address.objects.get(user=user)
    assert (saved.phone, saved.postal_code, saved.label) == ("+44 20 7946 0958", "BA1 1AA", "")


def test_the_step_asks_neither_a_label_nor_a_default_flag():
    fields = set(AddressForm(can_save=True).fields)

    assert {"label", "make_default"}.isdisjoint(fields)
    assert {"full_name", "line1", "city", "postal_code", "country", "save_address"} <= fields
