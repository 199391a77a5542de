"""Newsletter: double opt-in by a queued e-mail, no duplicates whatever the case, one-click
unsubscribe (RFC 8058) in every newsletter, CSV export for staff, the send command."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from scent.marketing import services
from scent.marketing.models import Subscriber, SubscriberStatus
from scent.marketing.services import SubscribeOutcome
from tests.marketing.conftest import link_from_outbox
from tests.orders.support import queued_emails

pytestmark = pytest.mark.django_db


def subscribe(client, email, **extra):
    return client.post("/newsletter/subscribe/", {"email": email, **extra})


def confirmed(email: str) -> Subscriber:
    return Subscriber.objects.create(
        email=email, status=SubscriberStatus.CONFIRMED, confirmed_at=timezone.now()
    )


# --- double opt-in ---------------------------------------------------------------------------
def test_sign_up_queues_a_confirmation_and_the_link_confirms(client, immediate_queue, settings):
    settings.APP_URL = "https://shop.test"

    with immediate_queue():
        response = subscribe(client, "  Ada@Example.COM ", next="/products/")

    assert response.status_code == 302 and response["Location"] == "/products/"
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("ada@example.com", "pending")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert "Confirm" in mail.outbox[0].subject
    link = link_from_outbox("/newsletter/confirm/")
    assert link.startswith("https://shop.test/newsletter/confirm/")

    page = client.get(link.removeprefix("https://shop.test"))

    assert page.status_code == 200
    assert b"You're subscribed" in page.content
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at
    assert client.get(link.removeprefix("https://shop.test")).status_code == 200  # idempotent


def test_the_confirmation_email_is_written_in_the_same_transaction():
    services.subscriber_subscribe(email="ada@example.com", source="footer")

    jobs = queued_emails("newsletter_confirm")
    assert len(jobs) == 1 and jobs[0]["to"] == ["ada@example.com"]
    assert "/newsletter/confirm/" in jobs[0]["context"]["confirm_url"]


def test_the_database_worker_delivers_the_confirmation(settings):
    from scent.ops.queue.database import Worker

    settings.APP_URL = "https://shop.test"
    services.subscriber_subscribe(email="ada@example.com")
    assert not mail.outbox  # queued, not sent

    Worker(queue_names=["mail"], once=True, interval=0.01).run()

    assert len(mail.outbox) == 1
    assert link_from_outbox("/newsletter/confirm/").startswith(
        "https://shop.test/newsletter/confirm/"
    )


def test_no_duplicates_whatever_the_case(client, immediate_queue):
    with immediate_queue():
        subscribe(client, "ada@example.com")
    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=1))
    with immediate_queue():
        subscribe(client, "ADA@example.com")

    assert Subscriber.objects.count() == 1
    assert len(mail.outbox) == 2  # a pending address gets the link again


def test_resending_to_a_pending_address_is_rate_limited(client, immediate_queue):
    with immediate_queue():
        subscribe(client, "ada@example.com")
        again = subscribe(client, "ada@example.com", next="/")

    assert len(mail.outbox) == 1
    messages = [str(m) for m in again.wsgi_request._messages]
    assert "We've just sent you a confirmation link" in messages[-1]


def test_a_confirmed_address_is_told_it_is_subscribed_and_gets_no_mail(client, immediate_queue):
    confirmed("ada@example.com")

    with immediate_queue():
        response = subscribe(client, "Ada@example.com", next="/")

    assert not mail.outbox
    assert [str(m) for m in response.wsgi_request._messages] == [
        "This address is already subscribed. Thank you!"
    ]


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 250 + "@example.com"])
def test_bad_addresses_are_explained(client, email):
    response = subscribe(client, email)

    assert response.status_code == 400
    assert b"e-mail address" in response.content
    assert not Subscriber.objects.exists()


def test_an_offsite_next_is_ignored(client):
    response = subscribe(client, "ada@example.com", next="https://evil.example/")

    assert response["Location"] == "/newsletter/"


@pytest.mark.parametrize("token", ["nonsense", "a" * 60])
def test_a_damaged_confirmation_link_is_a_clear_error(client, token):
    response = client.get(f"/newsletter/confirm/{token}/")

    assert response.status_code == 400
    assert b"This link is not valid." in response.content


def test_an_expired_confirmation_link_says_so(client):
    services.subscriber_subscribe(email="ada@example.com")
    token = services.confirm_token("ada@example.com")

    from freezegun import freeze_time

    with freeze_time(timezone.now() + timedelta(days=8)):
        response = client.get(f"/newsletter/confirm/{token}/")

    assert response.status_code == 400
    assert b"This link has expired." in response.content
    assert Subscriber.objects.get().status == "pending"


def test_an_unsubscribed_address_can_sign_up_again(client, immediate_queue):
    Subscriber.objects.create(email="ada@example.com", status=SubscriberStatus.UNSUBSCRIBED)

    with immediate_queue():
        assert services.subscriber_subscribe(email="ada@example.com") == SubscribeOutcome.SENT

    assert Subscriber.objects.get().status == "pending"
    assert len(mail.outbox) == 1


# --- unsubscribe -----------------------------------------------------------------------------
def test_unsubscribe_link_asks_first_then_unsubscribes(client):
    confirmed("ada@example.com")
    url = f"/newsletter/unsubscribe/{services.unsubscribe_token('ada@example.com')}/"

    page = client.get(url)
    assert page.status_code == 200 and b"Stop newsletters to ada@example.com?" in page.content
    assert Subscriber.objects.get().status == "confirmed"  # a GET (link preview) changes nothing

    done = client.post(url)

    assert b"You're unsubscribed" in done.content
    assert Subscriber.objects.get().status == "unsubscribed"
    assert b"You're unsubscribed" in client.get(url).content  # the link again: no button


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token():
    from django.test import Client

    confirmed("ada@example.com")
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        f"/newsletter/unsubscribe/{services.unsubscribe_token('ada@example.com')}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"


def test_a_forged_unsubscribe_link_does_nothing(client):
    confirmed("ada@example.com")
    forged = services.unsubscribe_token("ada@example.com")[:-2] + "xx"

    response = client.post(f"/newsletter/unsubscribe/{forged}/")

    assert response.status_code == 400
    assert Subscriber.objects.get().status == "confirmed"


def test_a_confirmation_token_is_not_an_unsubscribe_token(client):
    confirmed("ada@example.com")

    response = client.post(f"/newsletter/unsubscribe/{services.confirm_token('ada@example.com')}/")

    assert response.status_code == 400
    assert Subscriber.objects.get().status == "confirmed"


# --- sending a newsletter --------------------------------------------------------------------
def test_newsletter_goes_to_confirmed_subscribers_only_with_unsubscribe_headers(
    immediate_queue, settings
):
    settings.APP_URL = "https://shop.test"
    confirmed("ada@example.com")
    confirmed("grace@example.com")
    Subscriber.objects.create(email="pending@example.com")
    Subscriber.objects.create(email="gone@example.com", status=SubscriberStatus.UNSUBSCRIBED)

    with immediate_queue():
        sent = services.send_newsletter(
            subject="Autumn blends",
            body_template="newsletter_announcement",
            context={"message": "Cedar and clove are back."},
        )

    assert sent.queued == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "grace@example.com"]
    for message in mail.outbox:
        assert message.subject == "Autumn blends"
        assert "Cedar and clove are back." in message.body
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link.startswith("https://shop.test/newsletter/unsubscribe/")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"Unsubscribe: {link}" in message.body
        assert f'href="{link}"' in message.alternatives[0][0]
        # each link unsubscribes its own recipient
        assert (
            services.subscriber_from_unsubscribe_token(link.rstrip("/").rsplit("/", 1)[1]).email
            == message.to[0]
        )


def test_send_command_queues_and_reports(capsys):
    confirmed("ada@example.com")

    call_command("newsletter", "send", "--subject", "Hello", "--message", "Spring is here.")

    assert "Queued 1 e-mails." in capsys.readouterr().out
    jobs = queued_emails("newsletter_announcement")
    assert jobs[0]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert jobs[0]["context"]["message"] == "Spring is here."


def test_send_command_dry_run_and_status(capsys):
    confirmed("ada@example.com")
    Subscriber.objects.create(email="pending@example.com")

    call_command("newsletter", "send", "--subject", "Hello", "--message", "Hi", "--dry-run")
    call_command("newsletter", "status")

    out = capsys.readouterr().out
    assert "Would queue 1 e-mails (dry run)." in out
    assert "Confirmed: 1" in out and "Waiting for confirmation: 1" in out
    assert not queued_emails()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "password_reset"], "newsletter_<something>"),
        (["--template", "newsletter_nope"], "does not exist"),
        (["--template", "newsletter_confirm"], "newsletter_<something>"),
    ],
)
def test_send_command_refuses_bad_templates(args, message):
    confirmed("ada@example.com")

    with pytest.raises(CommandError, match=message):
        call_command("newsletter", "send", "--subject", "Hi", "--message", "Hi", *args)
    assert not queued_emails()


def test_send_command_needs_the_text_and_a_readable_file(tmp_path):
    confirmed("ada@example.com")

    with pytest.raises(CommandError, match="needs its text"):
        call_command("newsletter", "send", "--subject", "Hi")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "newsletter", "send", "--subject", "Hi", "--message-file", str(tmp_path / "nope.txt")
        )
    assert not queued_emails()


# --- admin -----------------------------------------------------------------------------------
def test_staff_filter_search_and_export_csv(client, admin_user):
    confirmed("ada@example.com")
    confirmed("grace@example.com")
    Subscriber.objects.create(email="pending@example.com")
    client.force_login(admin_user)

    listing = client.get("/admin/marketing/subscriber/?status__exact=confirmed&q=ada")
    assert listing.status_code == 200
    assert b"ada@example.com" in listing.content and b"grace@example.com" not in listing.content

    response = client.post(
        "/admin/marketing/subscriber/",
        {
            "action": "export_csv",
            "_selected_action": list(Subscriber.objects.values_list("pk", flat=True)),
        },
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted((r["email"], r["status"]) for r in rows) == [
        ("ada@example.com", "confirmed"),
        ("grace@example.com", "confirmed"),
        ("pending@example.com", "pending"),
    ]


def test_staff_unsubscribe_on_request_but_cannot_confirm(client, admin_user):
    ada = confirmed("ada@example.com")
    pending = Subscriber.objects.create(email="pending@example.com")
    client.force_login(admin_user)

    client.post(
        "/admin/marketing/subscriber/", {"action": "unsubscribe", "_selected_action": [ada.pk]}
    )
    client.post(f"/admin/marketing/subscriber/{pending.pk}/change/", {"status": "confirmed"})

    ada.refresh_from_db()
    pending.refresh_from_db()
    assert ada.status == "unsubscribed" and ada.unsubscribed_at
    assert pending.status == "pending"


def test_csv_export_defuses_spreadsheet_formulas(client, admin_user):
    Subscriber.objects.create(email="=hyperlink@example.com", source="+footer")
    client.force_login(admin_user)

    response = client.post(
        "/admin/marketing/subscriber/",
        {
            "action": "export_csv",
            "_selected_action": list(Subscriber.objects.values_list("pk", flat=True)),
        },
    )

    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["email"] == "'=hyperlink@example.com"
    assert row["source"] == "'+footer"


# --- page budget -----------------------------------------------------------------------------
def test_subscribe_and_confirm_query_budget(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        subscribe(client, "ada@example.com")
    token = services.confirm_token("ada@example.com")
    with django_assert_max_num_queries(6):
        assert client.get(f"/newsletter/confirm/{token}/").status_code == 200


@pytest.mark.parametrize(("url", "source"), [("/", "home"), ("/products/", "footer")])
def test_each_page_offers_one_newsletter_sign_up(client, url, source):
    """Given the home page (its own sign-up section) and any other page (the footer's),
    when a visitor opens it, then there is exactly one sign-up form, the page's own."""
    html = client.get(url).content.decode()

    forms = re.findall(r'<form[^>]+class="newsletter-form"', html)
    assert len(forms) == 1
    assert f'name="source" value="{source}"' in html
