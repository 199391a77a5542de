from __future__ import annotations

import pytest
from django.urls import reverse

from scent.accounts.models import User
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_customer_list_searches_by_email_and_name(admin_client):
    UserFactory(email="ada@example.com", first_name="Ada")
    UserFactory(email="grace@example.com", first_name="Grace")

    html = admin_client.get(
        reverse("admin:accounts_user_changelist"), {"q": "grace"}
    ).content.decode()

    assert "grace@example.com" in html
    assert "ada@example.com" not in html


def test_customer_list_filters_by_marketing_consent(admin_client):
    UserFactory(email="yes@example.com", marketing_opt_in=True)
    UserFactory(email="no@example.com", marketing_opt_in=False)

    html = admin_client.get(
        reverse("admin:accounts_user_changelist"), {"marketing_opt_in__exact": "1"}
    ).content.decode()

    assert "yes@example.com" in html
    assert "no@example.com" not in html


def test_staff_add_a_customer_by_email_without_a_username(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Customer@Example.com",
            "usable_password": "true",
            "password1": "juniper and sage 7",
            "password2": "juniper and sage 7",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.customer@example.com")
    assert user.check_password("juniper and sage 7")


def test_admin_refuses_a_duplicate_email_in_another_case(admin_client):
    UserFactory(email="ada@example.com")

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "ADA@example.com", "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "An account with this e-mail already exists" in response.content.decode()


def test_customer_page_shows_addresses_inline(admin_client):
    address = AddressFactory(city="Bath")

    html = admin_client.get(
        reverse("admin:accounts_user_change", args=[address.user.pk])
    ).content.decode()

    assert 'name="addresses-0-city"' in html
    assert 'value="Bath"' in html


def test_address_admin_lists_and_searches_by_customer_email(admin_client):
    AddressFactory(user=UserFactory(email="ada@example.com"), city="Bath")
    AddressFactory(user=UserFactory(email="grace@example.com"), city="Arlington")

    html = admin_client.get(
        reverse("admin:accounts_address_changelist"), {"q": "grace@"}
    ).content.decode()

    assert "Arlington" in html
    assert "Bath" not in html


def test_address_admin_keeps_one_default_per_customer(admin_client):
    old = AddressFactory(is_default=True)
    new = AddressFactory(user=old.user, is_default=False)

    response = admin_client.post(
        reverse("admin:accounts_address_change", args=[new.pk]),
        {
            "user": old.user.pk,
            "full_name": new.full_name,
            "line1": new.line1,
            "city": new.city,
            "postal_code": new.postal_code,
            "country": "GB",
            "is_default": "on",
        },
    )

    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_default, new.is_default) == (False, True)


def test_customer_page_refuses_two_default_addresses(admin_client):
    a = AddressFactory(is_default=True)
    b = AddressFactory(user=a.user)
    user = a.user
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "2",
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "1000",
    }
    for i, address in enumerate([a, b]):
        data |= {
            f"addresses-{i}-id": address.pk,
            f"addresses-{i}-user": user.pk,
            f"addresses-{i}-full_name": address.full_name,
            f"addresses-{i}-line1": address.line1,
            f"addresses-{i}-city": address.city,
            f"addresses-{i}-postal_code": address.postal_code,
            f"addresses-{i}-country": "GB",
            f"addresses-{i}-is_default": "on",
        }

    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    assert response.status_code == 200
    assert "Only one address can be the default." in response.content.decode()
    b.refresh_from_db()
    assert not b.is_default
