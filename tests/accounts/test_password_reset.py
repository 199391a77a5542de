from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from tests.accounts.conftest import PASSWORD, reset_link_from_outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
LOGIN = reverse("accounts:login")
NEW = "rosemary and cedar 42"


def _ask_reset(client, immediate_queue, email="ada@example.com"):
    with immediate_queue():
        return client.post(RESET, {"email": email})


def _set_password(client, link: str, password: str = NEW):
    """Follow the e-mailed link like a browser and submit a new password."""
    response = client.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_reset_email_carries_a_working_link(client, customer, immediate_queue):
    response = _ask_reset(client, immediate_queue, "ADA@example.com")

    assert response["Location"] == reverse("accounts:password_reset_done")
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your password for The Scent"
    assert "Hello Ada," in message.body
    link = reset_link_from_outbox()
    assert link.startswith(settings.APP_URL + "/accounts/password-reset/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "expires in 60 minutes" in message.body

    response = _set_password(client, link)

    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert client.post(LOGIN, {"username": customer.email, "password": PASSWORD}).status_code == 200
    login = client.post(LOGIN, {"username": customer.email, "password": NEW})
    assert login.status_code == 302


def test_the_reset_link_works_only_once(client, customer, immediate_queue):
    _ask_reset(client, immediate_queue)
    link = reset_link_from_outbox()
    _set_password(client, link)
    client.logout()

    page = client.get(urlsplit(link).path, follow=True).content.decode()

    assert "This link has expired" in page
    assert 'name="new_password1"' not in page


def test_the_reset_link_expires_after_an_hour(client, customer, immediate_queue):
    with freeze_time(timezone.now()) as clock:
        _ask_reset(client, immediate_queue)
        link = reset_link_from_outbox()
        clock.tick(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))

        page = client.get(urlsplit(link).path, follow=True).content.decode()

    assert "This link has expired" in page
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_an_unknown_email_looks_exactly_the_same_and_sends_nothing(client, immediate_queue):
    response = _ask_reset(client, immediate_queue, "nobody@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_repeated_requests_send_one_email_a_minute(client, customer, immediate_queue):
    with freeze_time(timezone.now()) as clock:
        first = _ask_reset(client, immediate_queue)
        second = _ask_reset(client, immediate_queue, "ADA@example.com")

        assert second["Location"] == first["Location"]
        assert len(mail.outbox) == 1

        clock.tick(timedelta(seconds=61))
        _ask_reset(client, immediate_queue)

    assert len(mail.outbox) == 2


def test_the_new_password_must_pass_the_validators(client, customer, immediate_queue):
    _ask_reset(client, immediate_queue)

    response = _set_password(client, reset_link_from_outbox(), "12345")

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_the_email_goes_through_the_mail_queue_not_the_request(client, customer):
    # Default settings: QUEUE_CONNECTION=database, so the request only writes a job row.
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"

    client.post(RESET, {"email": "ada@example.com"})

    assert mail.outbox == []
    job = DBTaskResult.objects.get()
    assert job.task_path == "scent.core.emails.send_email"
    assert job.queue_name == "mail"
    kwargs = job.args_kwargs["kwargs"]
    assert kwargs["to"] == ["ada@example.com"]
    assert kwargs["template"] == "password_reset"
    assert kwargs["context"]["first_name"] == "Ada"
    assert "/accounts/password-reset/" in kwargs["context"]["reset_url"]


def test_a_reset_lifts_the_login_lockout(client, customer, immediate_queue):
    for _ in range(6):
        client.post(LOGIN, {"username": customer.email, "password": "wrong password here"})
    assert client.post(LOGIN, {"username": customer.email, "password": PASSWORD}).status_code == 429

    _ask_reset(client, immediate_queue)
    _set_password(client, reset_link_from_outbox())

    assert client.post(LOGIN, {"username": customer.email, "password": NEW}).status_code == 302


def test_inactive_accounts_get_no_reset_email(client, immediate_queue):
    UserFactory(email="gone@example.com", is_active=False)

    _ask_reset(client, immediate_queue, "gone@example.com")

    assert mail.outbox == []


def test_the_mail_worker_delivers_the_queued_reset_email(client, customer):
    client.post(RESET, {"email": "ada@example.com"})
    assert mail.outbox == []

    call_command("worker", "--queue", "mail", "--once")

    link = reset_link_from_outbox()
    assert _set_password(client, link)["Location"] == reverse("accounts:password_reset_complete")
