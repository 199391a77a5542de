from __future__ import annotations

import pytest
from django.urls import reverse

from scent.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:register")
GOOD = {
    "email": "  Ada.Lovelace@Example.COM ",
    "first_name": "Ada",
    "last_name": "",
    "password1": "lavender fields at dusk",
    "password2": "lavender fields at dusk",
}


def test_register_page_has_labelled_fields(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("email", "first_name", "last_name", "password1", "password2"):
        assert f'<label for="id_{field}"' in html
    assert 'autocomplete="new-password"' in html


def test_register_creates_lowercased_account_and_logs_in(client):
    response = client.post(URL, GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    user = User.objects.get()
    assert user.email == "ada.lovelace@example.com"
    assert user.first_name == "Ada"
    assert user.check_password("lavender fields at dusk")
    assert user.marketing_opt_in is False
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    assert "ada.lovelace@example.com" in page.content.decode()


def test_register_refuses_an_existing_email_whatever_its_case(client):
    UserFactory(email="ada.lovelace@example.com")

    response = client.post(URL, GOOD)

    assert response.status_code == 200
    assert "An account with this e-mail already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_register_errors_are_linked_to_their_inputs(client):
    response = client.post(URL, {**GOOD, "password2": "something else entirely"})

    html = response.content.decode()
    assert "The two passwords don&#x27;t match." in html
    assert 'id="id_password2_error"' in html
    assert 'aria-describedby="id_password2_error"' in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short"),
        ("1234567890123", "This password is entirely numeric"),
        ("password1234", "This password is too common"),
        ("ada.lovelace@example", "too similar to the e-mail address"),
    ],
)
def test_register_applies_password_validators(client, password, message):
    response = client.post(URL, {**GOOD, "password1": password, "password2": password})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_register_rejects_a_malformed_email(client):
    response = client.post(URL, {**GOOD, "email": "not-an-email"})

    assert "Enter a valid email address" in response.content.decode()
    assert not User.objects.exists()


def test_register_follows_a_local_next(client):
    response = client.post(f"{URL}?next=/products/", GOOD)

    assert response["Location"] == "/products/"


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_register_never_redirects_off_site(client, evil):
    response = client.post(URL, {**GOOD, "next": evil})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")


def test_register_keeps_only_a_safe_next_in_the_form(client):
    safe = client.get(f"{URL}?next=/products/").content.decode()
    evil = client.get(f"{URL}?next=https://evil.example/").content.decode()

    assert 'name="next" value="/products/"' in safe
    assert "evil.example" not in evil


def test_a_signed_in_customer_is_sent_to_their_account(client):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
