"""Signing up with an e-mail that has an account tells its owner, at most once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from scent.accounts import services
from scent.accounts.models import User

pytestmark = pytest.mark.django_db

REGISTER = reverse("accounts:register")


def _sign_up(email: str = "Ada@Example.com", address: str = "198.51.100.66"):
    form = {
        "email": email,
        "password1": "lavender fields at dusk",
        "password2": "lavender fields at dusk",
    }
    return Client().post(REGISTER, form, REMOTE_ADDR=address)


def test_the_owner_is_told_and_the_page_still_says_the_account_exists(
    customer, immediate_queue, settings
):
    settings.APP_URL = "https://shop.test"
    # when someone signs up with Ada's e-mail (in another case)
    with immediate_queue():
        response = _sign_up()
    # then the page says so, as before, and no second account exists
    assert response.status_code == 200
    assert "An account with this e-mail already exists" in response.content.decode()
    assert User.objects.count() == 1
    # and Ada gets a notice with links to sign in and to reset her password
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["ada@example.com"]
    assert "tried to open" in notice.subject
    assert "https://shop.test/accounts/login/" in notice.body
    assert "https://shop.test/accounts/password-reset/" in notice.body
    html = notice.alternatives[0][0]
    assert 'href="https://shop.test/accounts/login/"' in html


def test_at_most_one_notice_a_day_however_many_attempts(customer, immediate_queue):
    with immediate_queue():
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            _sign_up(address=address)
    assert len(mail.outbox) == 1

    # a day later, another attempt sends another notice
    with freeze_time(timezone.now() + timedelta(hours=24, minutes=1)), immediate_queue():
        _sign_up()
    assert len(mail.outbox) == 2


def test_the_daily_limit_is_kept_on_the_account_not_in_the_cache(customer, immediate_queue):
    from django.core.cache import cache

    with immediate_queue():
        _sign_up()
    # given the cache is emptied (a Redis restart, another machine)
    cache.clear()
    with immediate_queue():
        _sign_up()

    assert len(mail.outbox) == 1
    customer.refresh_from_db()
    assert customer.signup_attempt_noticed_at is not None


def test_the_notice_is_queued_in_the_same_transaction(customer):
    # given the database queue (the default): the job row is part of the transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        assert services.duplicate_signup_notify(email="ada@example.com") is True
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the request failed after the notice was queued")
    # then neither the job nor the "noticed" time survives a rollback
    assert DBTaskResult.objects.count() == 0
    customer.refresh_from_db()
    assert customer.signup_attempt_noticed_at is None
    # and the next attempt still sends the notice
    assert services.duplicate_signup_notify(email="ada@example.com") is True


def test_a_new_email_gets_no_notice(db, immediate_queue):
    with immediate_queue():
        response = _sign_up("grace@example.com")

    assert response.status_code == 302
    assert mail.outbox == []


def test_a_disabled_account_gets_no_notice(customer, immediate_queue):
    User.objects.filter(pk=customer.pk).update(is_active=False)

    with immediate_queue():
        _sign_up()

    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="needs concurrent writers")
def test_simultaneous_attempts_queue_one_notice():
    import threading

    from tests.factories import UserFactory

    # given an account, and four sign-ups with its e-mail at the same moment
    UserFactory(email="ada@example.com")
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def attempt() -> None:
        try:
            barrier.wait()
            outcomes.append(services.duplicate_signup_notify(email="ada@example.com"))
        except BaseException as error:  # reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one of them queued the notice
    assert sorted(outcomes, key=str) == [False, False, False, True]
    assert DBTaskResult.objects.count() == 1
