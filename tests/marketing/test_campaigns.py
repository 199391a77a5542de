"""A newsletter is a campaign: each confirmed subscriber gets a letter once, however often
`scent newsletter send` runs, a run that stopped half-way resumes with the rest, and
someone who unsubscribed before their turn gets nothing. Staff watch the progress."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from scent.marketing import selectors, services
from scent.marketing.models import Campaign, CampaignDelivery, Subscriber, SubscriberStatus
from scent.ops.queue.database import Worker
from tests.orders.support import queued_emails

pytestmark = pytest.mark.django_db

LETTER = ["--subject", "Autumn blends", "--message", "Cedar and clove are back."]


def confirmed(*emails: str) -> list[Subscriber]:
    return [
        Subscriber.objects.create(
            email=e, status=SubscriberStatus.CONFIRMED, confirmed_at=timezone.now()
        )
        for e in emails
    ]


def recipients() -> Counter:
    """How many newsletter e-mails each address has waiting in the database queue."""
    return Counter(job["to"][0] for job in queued_emails("newsletter_announcement"))


def send(capsys, *args: str) -> str:
    call_command("newsletter", "send", *(args or LETTER))
    return capsys.readouterr().out


class KilledHalfway(Exception):
    """The process died while queueing (a deploy, the OOM killer, Ctrl-C)."""


def crash_after(monkeypatch, n: int) -> None:
    """Let `n` e-mails be queued, then kill the run in the middle of the next one."""
    real = services.queue_email
    calls = {"n": 0}

    def queue_email(**kwargs):
        if calls["n"] == n:
            raise KilledHalfway
        calls["n"] += 1
        return real(**kwargs)

    monkeypatch.setattr(services, "queue_email", queue_email)


# --- once ------------------------------------------------------------------------------------
def test_running_send_twice_sends_each_subscriber_one_letter(capsys):
    confirmed("ada@example.com", "grace@example.com")

    first = send(capsys)
    second = send(capsys)

    assert "Queued 2 e-mails." in first
    assert "Queued 0 e-mails." in second
    assert "was sent on" in second and "nobody gets it twice" in second
    assert recipients() == {"ada@example.com": 1, "grace@example.com": 1}
    assert Campaign.objects.count() == 1


def test_a_different_letter_is_a_new_campaign(capsys):
    confirmed("ada@example.com")

    send(capsys)
    out = send(capsys, "--subject", "Winter blends", "--message", "Pine is here.")

    assert "Queued 1 e-mails." in out
    assert recipients() == {"ada@example.com": 2}
    assert Campaign.objects.count() == 2


def test_someone_who_confirms_after_the_letter_went_out_does_not_get_it_on_a_rerun(capsys):
    confirmed("ada@example.com")
    send(capsys)
    confirmed("late@example.com")

    assert "Queued 0 e-mails." in send(capsys)
    assert recipients() == {"ada@example.com": 1}


def test_with_the_sync_queue_each_letter_is_mailed_once(immediate_queue):
    confirmed("ada@example.com", "grace@example.com")

    with immediate_queue():
        for _ in range(2):
            services.send_newsletter(
                subject="Autumn blends",
                body_template="newsletter_announcement",
                context={"message": "Cedar and clove are back."},
            )

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "grace@example.com"]


# --- killed half-way -------------------------------------------------------------------------
def test_a_run_killed_halfway_resumes_with_the_rest_exactly_once(capsys, monkeypatch):
    emails = [f"reader{i}@example.com" for i in range(7)]
    confirmed(*emails)
    crash_after(monkeypatch, 5)

    with pytest.raises(KilledHalfway):
        services.send_newsletter(
            subject="Autumn blends",
            body_template="newsletter_announcement",
            context={"message": "Cedar and clove are back."},
            batch_size=2,
        )

    # The batches before the crash are queued; the one it hit left nothing behind.
    assert sum(recipients().values()) == 4
    campaign = Campaign.objects.get()
    assert campaign.finished_at is None
    assert selectors.campaign_progress(campaign).waiting == 3
    monkeypatch.undo()

    dry = send(capsys, *LETTER, "--dry-run")
    out = send(capsys)

    assert "Would queue 3 e-mails (dry run)." in dry
    assert "Queued 3 e-mails." in out and "Resumed campaign" in out
    assert recipients() == dict.fromkeys(emails, 1)
    campaign.refresh_from_db()
    assert campaign.finished_at is not None


def test_the_queued_email_and_its_delivery_record_are_saved_together(monkeypatch):
    confirmed("ada@example.com", "grace@example.com")
    crash_after(monkeypatch, 1)

    with pytest.raises(KilledHalfway):
        services.send_newsletter(
            subject="Hi", body_template="newsletter_announcement", context={"message": "Hi"}
        )

    # One batch: ada's e-mail was queued in it, so it was rolled back with it.
    assert not queued_emails()
    assert not CampaignDelivery.objects.filter(queued_at__isnull=False).exists()


def test_who_unsubscribes_before_the_resumed_run_gets_nothing(client, capsys, monkeypatch):
    confirmed("ada@example.com", "grace@example.com", "mary@example.com")
    crash_after(monkeypatch, 1)
    with pytest.raises(KilledHalfway):
        services.send_newsletter(
            subject="Autumn blends",
            body_template="newsletter_announcement",
            context={"message": "Cedar and clove are back."},
            batch_size=1,
        )
    monkeypatch.undo()

    grace_leaves = client.post(
        f"/newsletter/unsubscribe/{services.unsubscribe_token('grace@example.com')}/"
    )
    out = send(capsys)

    assert grace_leaves.status_code == 200
    assert "Queued 1 e-mails." in out
    assert "2 queued / 0 sent of 3; 1 unsubscribed, skipped; finished." in out
    assert recipients() == {"ada@example.com": 1, "mary@example.com": 1}


# --- progress --------------------------------------------------------------------------------
def test_progress_counts_what_the_mail_server_took(capsys):
    confirmed("ada@example.com", "grace@example.com", "mary@example.com")
    send(capsys)

    Worker(queue_names=["mail"], once=True, interval=0.01, max_tasks=2).run()
    call_command("newsletter", "status")

    out = capsys.readouterr().out
    assert len(mail.outbox) == 2
    assert "Campaign #" in out and '"Autumn blends": 3 queued / 2 sent of 3' in out


def test_staff_see_each_campaigns_progress_read_only(client, admin_user, capsys, monkeypatch):
    confirmed("ada@example.com", "grace@example.com", "mary@example.com")
    crash_after(monkeypatch, 1)
    with pytest.raises(KilledHalfway):
        call_command("newsletter", "send", *LETTER)  # one batch: nothing kept
    monkeypatch.undo()
    Subscriber.objects.filter(email="mary@example.com").update(status=SubscriberStatus.UNSUBSCRIBED)
    send(capsys)
    Worker(queue_names=["mail"], once=True, interval=0.01, max_tasks=1).run()
    campaign = Campaign.objects.get()
    client.force_login(admin_user)

    listing = client.get("/admin/marketing/campaign/")
    page = client.get(f"/admin/marketing/campaign/{campaign.pk}/change/")

    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Autumn blends" in html
    assert "Queued / sent of total" in html and "2 / 1 of 3" in html
    assert page.status_code == 200
    detail = page.content.decode()
    assert "2 / 1 of 3" in detail and "Unsubscribed, skipped" in detail
    assert 'name="_save"' not in detail  # nothing to edit
    assert client.get("/admin/marketing/campaign/add/").status_code == 403
    assert client.post(f"/admin/marketing/campaign/{campaign.pk}/delete/").status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    deliveries = client.get(f"/admin/marketing/campaigndelivery/?campaign__id__exact={campaign.pk}")
    assert deliveries.status_code == 200 and b"grace@example.com" in deliveries.content


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "message"),
    [("   ", "needs a subject"), ("x" * 201, "at most 200 characters")],
)
def test_a_bad_subject_is_explained_and_nothing_is_queued(subject, message):
    confirmed("ada@example.com")

    with pytest.raises(CommandError, match=message):
        call_command("newsletter", "send", "--subject", subject, "--message", "Hi")

    assert not queued_emails()
    assert not Campaign.objects.exists()
