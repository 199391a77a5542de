"""Accounts under attack: lockouts per account and address, limits per client address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scent.accounts.models import User
from scent.marketing.models import Subscriber
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ACCOUNT = reverse("accounts:account")
REGISTER = reverse("accounts:register")
RESET = reverse("accounts:password_reset")
NEWSLETTER = reverse("marketing:newsletter_subscribe")

ATTACKER = "198.51.100.66"
OWNER = "203.0.113.7"
NGINX = "10.0.0.2"


def _login(client, email, password, **meta):
    return client.post(LOGIN, {"username": email, "password": password}, **meta)


def _signed_in(client) -> bool:
    return client.get(ACCOUNT).status_code == 200


# --- lockout per account and address ---------------------------------------------------


def test_wrong_passwords_lock_the_account_only_for_the_guessing_address(client, customer):
    # given five wrong passwords for Ada's account from one address
    for _ in range(5):
        _login(client, customer.email, "wrong password here", REMOTE_ADDR=ATTACKER)
    # when that address tries the right password, it is refused, and told why
    locked = _login(client, customer.email, PASSWORD, REMOTE_ADDR=ATTACKER)
    assert locked.status_code == 429
    assert "on this connection" in locked.content.decode()
    assert not _signed_in(client)
    # then Ada, from her own address, still signs in
    response = _login(client, customer.email, PASSWORD, REMOTE_ADDR=OWNER)
    assert response.status_code == 302
    assert _signed_in(client)


def test_behind_nginx_each_visitor_is_locked_by_their_own_address(client, customer, settings):
    # given the shop behind one proxy: every connection comes from nginx's address
    settings.TRUSTED_PROXY_COUNT = 1
    # when an attacker guesses, forging X-Forwarded-For to look like someone else each time
    for n in range(5):
        _login(
            client,
            customer.email,
            "wrong password here",
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=f"8.8.4.{n}, {ATTACKER}",
        )
    # then the attacker's real address is locked out
    locked = _login(
        client, customer.email, PASSWORD, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    assert locked.status_code == 429
    # and Ada, arriving through the same nginx from her address, is not
    response = _login(
        client, customer.email, PASSWORD, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=OWNER
    )
    assert response.status_code == 302


# --- failed sign-ins spread over many accounts ---------------------------------------------


def _guess_many_accounts(client, count=20):
    for n in range(count):
        response = _login(client, f"guess{n}@example.com", "password123", REMOTE_ADDR=ATTACKER)
        assert response.status_code == 200


def test_guesses_over_many_accounts_from_one_address_are_paused(client, customer):
    # given 20 failed sign-ins from one address, each for a different account (the limit)
    _guess_many_accounts(client)
    # when that address tries once more, even with a right password
    response = _login(client, customer.email, PASSWORD, REMOTE_ADDR=ATTACKER)
    # then it gets the friendly 429 page, with the e-mail it typed, and is not signed in
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "<html" in html
    assert "paused this for a little while" in html
    assert "try again in 15 minutes" in html
    assert 'value="ada@example.com"' in html
    assert PASSWORD not in html
    assert not _signed_in(client)


def test_the_address_limit_does_not_stop_other_addresses(client, customer):
    _guess_many_accounts(client)

    response = _login(client, customer.email, PASSWORD, REMOTE_ADDR=OWNER)

    assert response.status_code == 302


def test_the_admin_sign_in_is_refused_from_a_paused_address(client):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    _guess_many_accounts(client)

    response = client.post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )

    assert response.status_code == 429
    assert "paused this for a little while" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_failed_sign_ins_are_counted_only_up_to_the_address_limit_setting(client, settings):
    # given a stricter limit set by the operator (LOGIN_FAILURE_RATE)
    settings.LOGIN_FAILURE_RATE = "3/15m"
    _guess_many_accounts(client, count=3)

    response = _login(client, "guess9@example.com", "password123", REMOTE_ADDR=ATTACKER)

    assert response.status_code == 429


# --- registrations, password resets and newsletter sign-ups per address ---------------


def _registration(n: int) -> dict[str, str]:
    return {
        "email": f"new{n}@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "password1": "lavender fields at dusk",
        "password2": "lavender fields at dusk",
    }


def test_registrations_from_one_address_are_limited_and_the_form_keeps_the_typing(client, settings):
    settings.REGISTER_RATE = "3/h"
    # given an address that has made three registration attempts this hour
    UserFactory(email="taken@example.com")
    for n in range(3):
        client.post(
            REGISTER, {**_registration(n), "email": "taken@example.com"}, REMOTE_ADDR=ATTACKER
        )
    # when it tries a fourth time
    response = client.post(REGISTER, _registration(9), REMOTE_ADDR=ATTACKER)
    # then it gets a friendly 429 with what was typed (never the password), no account
    assert response.status_code == 429
    html = response.content.decode()
    assert "paused this for a little while" in html
    assert "try again in an hour" in html
    assert 'value="new9@example.com"' in html
    assert 'value="Grace"' in html and 'value="Hopper"' in html
    assert "lavender fields at dusk" not in html
    assert f'action="{REGISTER}"' in html
    assert not User.objects.filter(email="new9@example.com").exists()
    # and a limited attempt learns nothing about which e-mails have accounts
    limited = client.post(
        REGISTER, {**_registration(1), "email": "taken@example.com"}, REMOTE_ADDR=ATTACKER
    )
    assert limited.status_code == 429
    assert "already exists" not in limited.content.decode()


def test_another_address_can_still_register(client, settings):
    from django.test import Client

    settings.REGISTER_RATE = "1/h"
    client.post(REGISTER, _registration(1), REMOTE_ADDR=ATTACKER)
    assert client.post(REGISTER, _registration(3), REMOTE_ADDR=ATTACKER).status_code == 429

    response = Client().post(REGISTER, _registration(2), REMOTE_ADDR=OWNER)

    assert response.status_code == 302
    assert User.objects.filter(email="new2@example.com").exists()


def test_password_reset_requests_from_one_address_are_limited(
    client, customer, settings, immediate_queue
):
    from django.core import mail

    settings.PASSWORD_RESET_RATE = "2/h"
    with immediate_queue():
        for n in range(2):
            client.post(RESET, {"email": f"someone{n}@example.com"}, REMOTE_ADDR=ATTACKER)
        response = client.post(RESET, {"email": customer.email}, REMOTE_ADDR=ATTACKER)

    assert response.status_code == 429
    assert 'value="ada@example.com"' in response.content.decode()
    assert mail.outbox == []  # the limited request sent nothing


def test_newsletter_sign_ups_from_one_address_are_limited(client, settings):
    settings.NEWSLETTER_RATE = "2/h"
    for n in range(2):
        client.post(NEWSLETTER, {"email": f"reader{n}@example.com"}, REMOTE_ADDR=ATTACKER)

    response = client.post(
        NEWSLETTER, {"email": "reader9@example.com", "next": "/products/"}, REMOTE_ADDR=ATTACKER
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert 'value="reader9@example.com"' in html
    assert 'name="next" value="/products/"' in html
    assert not Subscriber.objects.filter(email="reader9@example.com").exists()
    assert Subscriber.objects.count() == 2


def test_the_limits_are_read_from_the_environment_with_defaults(tmp_path):
    from tests.core.test_settings import settings_value

    assert settings_value("REGISTER_RATE", {}, tmp_path) == "10/h"
    assert settings_value("LOGIN_FAILURE_RATE", {"LOGIN_FAILURE_RATE": "50/h"}, tmp_path) == "50/h"
