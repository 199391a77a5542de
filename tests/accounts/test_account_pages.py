from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from scent.accounts.models import Address, User
from tests.accounts.conftest import PASSWORD
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
PROFILE = reverse("accounts:profile")
PASSWORD_URL = reverse("accounts:password_change")
ADDRESSES = reverse("accounts:addresses")
ADD = reverse("accounts:address_add")

ADDRESS = {
    "label": "Home",
    "full_name": "Ada Lovelace",
    "line1": "12 Lavender Lane",
    "line2": "",
    "city": "Bath",
    "region": "Somerset",
    "postal_code": "ba1  1aa",
    "country": "GB",
    "phone": "+44 1225 000000",
}


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


@pytest.mark.parametrize(
    "url",
    [ACCOUNT, PROFILE, PASSWORD_URL, ADDRESSES, ADD, "/account/addresses/1/edit/"],
)
def test_account_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_overview_shows_details_and_default_address(signed_in, customer):
    AddressFactory(user=customer, is_default=True, city="Bath", country="GB")

    html = signed_in.get(ACCOUNT).content.decode()

    assert "Hello, Ada" in html
    assert "ada@example.com" in html
    assert "Bath" in html
    assert "United Kingdom" in html
    assert 'href="/static/css/account.css"' in html
    assert 'aria-current="page"' in html
    assert f'href="{reverse("orders:account_list")}"' in html


def test_orders_block_is_absent_without_an_orders_context(customer):
    html = render_to_string("accounts/account.html", {"user": customer})

    assert "Your orders" not in html


def test_orders_block_renders_when_orders_are_in_the_context(customer):
    request = RequestFactory().get(ACCOUNT)
    request.user = customer

    html = render_to_string("accounts/account.html", {"orders": []}, request=request)

    assert "Your orders" in html
    assert "No orders yet" in html


def test_profile_update_saves_names_phone_and_consent(signed_in, customer):
    response = signed_in.post(
        PROFILE,
        {
            "first_name": "Augusta",
            "last_name": "King",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0958",
            "marketing_opt_in": "on",
        },
        follow=True,
    )

    assert "Your details are saved." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Augusta", "King")
    assert customer.phone == "+44 20 7946 0958"
    assert customer.marketing_opt_in is True


def test_changing_email_needs_the_current_password(signed_in, customer):
    data = {"first_name": "Ada", "email": "Countess@Example.com"}

    missing = signed_in.post(PROFILE, data)
    wrong = signed_in.post(PROFILE, {**data, "current_password": "not my password"})

    assert "Enter your current password to change your e-mail." in missing.content.decode()
    assert "That password is not right." in wrong.content.decode()
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"

    signed_in.post(PROFILE, {**data, "current_password": PASSWORD})

    customer.refresh_from_db()
    assert customer.email == "countess@example.com"
    assert signed_in.get(ACCOUNT).status_code == 200  # still signed in


def test_changing_email_to_a_taken_one_is_refused(signed_in, customer):
    UserFactory(email="grace@example.com")

    response = signed_in.post(PROFILE, {"email": "GRACE@example.com", "current_password": PASSWORD})

    html = response.content.decode()
    assert "An account with this e-mail already exists" in html
    assert 'aria-describedby="id_email_error"' in html
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_a_bad_phone_number_is_explained(signed_in, customer):
    response = signed_in.post(PROFILE, {"email": customer.email, "phone": "call me maybe"})

    assert response.status_code == 200
    assert "Enter a phone number" in response.content.decode()


def test_password_change_keeps_the_session_and_the_new_password_works(client, signed_in, customer):
    response = signed_in.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "bergamot at midnight",
            "new_password2": "bergamot at midnight",
        },
        follow=True,
    )

    assert "Your password is changed." in response.content.decode()
    assert signed_in.get(ACCOUNT).status_code == 200
    customer.refresh_from_db()
    assert customer.check_password("bergamot at midnight")


def test_password_change_needs_the_old_password(signed_in, customer):
    response = signed_in.post(
        PASSWORD_URL,
        {
            "old_password": "guess guess",
            "new_password1": "bergamot at midnight",
            "new_password2": "bergamot at midnight",
        },
    )

    assert "Your old password was entered incorrectly" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


# --- Address book --------------------------------------------------------------


def test_first_address_becomes_the_default(signed_in, customer):
    response = signed_in.post(ADD, ADDRESS, follow=True)

    assert "Address added." in response.content.decode()
    address = Address.objects.get(user=customer)
    assert address.is_default
    assert address.postal_code == "BA1 1AA"


def test_address_form_offers_a_country_select(signed_in):
    html = signed_in.get(ADD).content.decode()

    assert '<select name="country"' in html
    assert '<option value="GB">United Kingdom</option>' in html
    assert '<label for="id_line1"' in html


def test_an_unknown_country_code_is_a_form_error_not_a_crash(signed_in, customer):
    response = signed_in.post(ADD, {**ADDRESS, "country": "XX"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Address.objects.exists()


def test_missing_required_fields_are_reported(signed_in):
    response = signed_in.post(ADD, {**ADDRESS, "line1": "", "city": ""})

    html = response.content.decode()
    assert 'id="id_line1_error"' in html
    assert 'id="id_city_error"' in html


def test_adding_a_new_default_leaves_exactly_one_default(signed_in, customer):
    first = AddressFactory(user=customer, is_default=True)

    signed_in.post(ADD, {**ADDRESS, "label": "Work", "make_default": "on"})

    assert list(
        Address.objects.filter(user=customer, is_default=True).values_list("label", flat=True)
    ) == ["Work"]
    first.refresh_from_db()
    assert not first.is_default


def test_address_list_shows_only_my_addresses(signed_in, customer, django_assert_max_num_queries):
    AddressFactory.create_batch(3, user=customer, line1="My street")
    AddressFactory(line1="Somebody else's street")

    with django_assert_max_num_queries(6):
        html = signed_in.get(ADDRESSES).content.decode()

    assert html.count("My street") >= 3
    assert "Somebody else" not in html


def test_edit_an_address(signed_in, customer):
    address = AddressFactory(user=customer, city="Bath")

    signed_in.post(
        reverse("accounts:address_edit", args=[address.pk]), {**ADDRESS, "city": "Wells"}
    )

    address.refresh_from_db()
    assert address.city == "Wells"


def test_set_default_is_post_only_and_switches_the_default(signed_in, customer):
    old = AddressFactory(user=customer, is_default=True)
    new = AddressFactory(user=customer)
    url = reverse("accounts:address_default", args=[new.pk])

    assert signed_in.get(url).status_code == 405
    signed_in.post(url)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_default, new.is_default) == (False, True)


def test_delete_asks_first_then_deletes(signed_in, customer):
    address = AddressFactory(user=customer)
    url = reverse("accounts:address_delete", args=[address.pk])

    confirm = signed_in.get(url)
    assert "Delete this address?" in confirm.content.decode()
    assert Address.objects.filter(pk=address.pk).exists()

    signed_in.post(url)

    assert not Address.objects.filter(pk=address.pk).exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("accounts:address_edit", "get"),
        ("accounts:address_edit", "post"),
        ("accounts:address_delete", "get"),
        ("accounts:address_delete", "post"),
        ("accounts:address_default", "post"),
    ],
)
def test_nobody_can_see_or_touch_another_customers_address(signed_in, name, method):
    theirs = AddressFactory(user=UserFactory(email="grace@example.com"), city="Arlington")

    response = getattr(signed_in, method)(reverse(name, args=[theirs.pk]), ADDRESS)

    assert response.status_code == 404
    assert "Arlington" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.city == "Arlington"
    assert not theirs.is_default


def test_a_missing_address_is_a_404(signed_in):
    assert signed_in.get(reverse("accounts:address_edit", args=[999999])).status_code == 404


def test_deleted_user_takes_addresses_along(customer):
    AddressFactory(user=customer)

    User.objects.filter(pk=customer.pk).delete()

    assert not Address.objects.exists()


@pytest.mark.parametrize("url", [ACCOUNT, ADDRESSES])
def test_account_pages_cost_the_same_queries_for_1_or_20_addresses(signed_in, customer, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    AddressFactory(user=customer)
    with CaptureQueriesContext(connection) as few:
        signed_in.get(url)
    AddressFactory.create_batch(19, user=customer)
    with CaptureQueriesContext(connection) as many:
        signed_in.get(url)

    assert len(many) == len(few) <= 8
