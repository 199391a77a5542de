"""With the Redis queue an e-mail is written down in its transaction and pushed after the
commit: a process lost (or a Redis away) in between delays the e-mail, never loses it."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.db import transaction
from django.utils import timezone

from scent.core.emails import push_pending_emails, queue_email
from scent.ops.models import PendingEmail
from scent.ops.schedule import schedule
from tests.ops.conftest import REDIS_TEST_URL

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("redis-queue"),
]

REDIS_ENV = {"QUEUE_CONNECTION": "redis", "REDIS_URL": REDIS_TEST_URL}
NOWHERE = "redis://127.0.0.1:9/7"  # the discard port: nothing listens there


def _reset_email(to: str = "grace@example.com") -> str:
    with transaction.atomic():
        return queue_email(
            to=[to],
            template="password_reset",
            context={"email": to, "reset_url": "https://shop.test/reset/x/", "valid_minutes": 60},
        )


def _mail_queue():
    return django_rq.get_queue("mail")


def _send_waiting(scent_process, smtp_server) -> None:
    env = {
        **REDIS_ENV,
        "MAIL_MAILER": "smtp",
        "MAIL_HOST": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
    }
    code, output = scent_process.run("worker", "--queue", "mail", "--once", env=env)
    assert code == 0, output


def _age(minutes: int) -> None:
    PendingEmail.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_the_job_reaches_the_queue_after_the_commit_and_leaves_nothing_behind(redis_queue):
    message_id = _reset_email()

    assert _mail_queue().count == 1
    assert not PendingEmail.objects.exists()
    assert message_id


def test_an_email_whose_commit_met_no_redis_is_pushed_later_and_sent_once(
    redis_queue, settings, scent_process, smtp_server
):
    """Given Redis away at the moment the order's transaction commits, when the e-mail is
    queued, then the order is not failed, the e-mail waits in the database, and the
    scheduler's next push sends it with the Message-ID it was given."""
    queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {name: {**conf, "URL": NOWHERE} for name, conf in queues.items()}
    message_id = _reset_email()
    assert PendingEmail.objects.filter(message_id=message_id).exists()

    settings.RQ_QUEUES = queues  # Redis is back
    assert push_pending_emails() == 0  # too young: its own process may still push it
    _age(2)
    assert push_pending_emails() == 1
    _send_waiting(scent_process, smtp_server)

    [message] = smtp_server.messages
    assert message["Message-ID"] == message_id
    assert not PendingEmail.objects.exists()


def test_a_push_repeated_after_a_lost_delete_sends_the_email_once(
    redis_queue, scent_process, smtp_server
):
    """Given a job that reached Redis but whose process died before it forgot the row,
    when the scheduler pushes the row again, then two jobs run and one e-mail arrives."""
    message_id = _reset_email()
    job = dict(_mail_queue().jobs[0].kwargs)
    PendingEmail.objects.create(message_id=message_id, job=job)
    _age(2)

    assert push_pending_emails() == 1
    assert _mail_queue().count == 2
    _send_waiting(scent_process, smtp_server)

    assert [m["Message-ID"] for m in smtp_server.messages] == [message_id]


def test_the_scheduler_pushes_every_minute_even_in_maintenance():
    job = schedule.get("mail:push-pending")

    assert job.cron == "* * * * *"
    assert job.even_in_maintenance
