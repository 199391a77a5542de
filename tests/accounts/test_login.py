from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
ACCOUNT = reverse("accounts:account")


def _signed_in(client) -> bool:
    return client.get(ACCOUNT).status_code == 200


def test_login_with_the_email_in_any_case(client, customer):
    response = client.post(LOGIN, {"username": "ADA@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    assert _signed_in(client)


def test_wrong_password_shows_a_clear_message(client, customer):
    response = client.post(LOGIN, {"username": "ada@example.com", "password": "nope nope nope"})

    assert response.status_code == 200
    assert "don&#x27;t match an account" in response.content.decode()
    assert not _signed_in(client)


def test_login_follows_a_local_next(client, customer):
    response = client.post(
        f"{LOGIN}?next=/account/addresses/", {"username": customer.email, "password": PASSWORD}
    )

    assert response["Location"] == "/account/addresses/"


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_login_never_redirects_off_site(client, customer, evil):
    response = client.post(LOGIN, {"username": customer.email, "password": PASSWORD, "next": evil})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT


def test_account_pages_send_anonymous_visitors_to_login_and_back(client, customer):
    response = client.get("/account/addresses/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/account/addresses/"
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/account/addresses/"' in page


def test_logout_is_post_only(client, customer):
    client.force_login(customer)

    confirm = client.get(LOGOUT)

    assert confirm.status_code == 200
    assert '<form method="post" action="/accounts/logout/"' in confirm.content.decode()
    assert _signed_in(client)

    response = client.post(LOGOUT, follow=True)

    assert response.redirect_chain[0][0] == reverse("catalog:home")
    assert "You are logged out" in response.content.decode()
    assert not _signed_in(client)


def _fail(client, email="ada@example.com"):
    return client.post(LOGIN, {"username": email, "password": "wrong password here"})


def test_sixth_bad_attempt_shows_the_friendly_lockout_page(client, customer):
    # LOGIN_MAX_ATTEMPTS=5: four failures get the usual message, the fifth reaches the
    # limit (django-axes answers it with the lockout page already), the sixth is refused.
    for _ in range(4):
        assert _fail(client).status_code == 200
    assert _fail(client).status_code == 429

    response = _fail(client)

    assert response.status_code == 429
    html = response.content.decode()
    assert "paused sign-in for this account for 15 minutes" in html
    assert reverse("accounts:password_reset") in html
    assert "<html" in html  # the shop's layout, not a bare error


def test_the_right_password_fails_while_locked(client, customer):
    for _ in range(5):
        _fail(client)

    response = client.post(LOGIN, {"username": customer.email, "password": PASSWORD})

    assert response.status_code == 429
    assert not _signed_in(client)


def test_changing_the_case_of_the_email_does_not_dodge_the_lockout(client, customer):
    for email in ["ada@example.com", "ADA@example.com", "Ada@Example.com", "ada@EXAMPLE.com"]:
        _fail(client, email)
    _fail(client, "aDa@example.com")

    response = client.post(LOGIN, {"username": "ADA@EXAMPLE.COM", "password": PASSWORD})

    assert response.status_code == 429


def test_a_lockout_does_not_block_other_customers(client, customer):
    from tests.factories import UserFactory

    other = UserFactory(email="grace@example.com")
    for _ in range(6):
        _fail(client)

    response = client.post(LOGIN, {"username": other.email, "password": PASSWORD})

    assert response.status_code == 302
