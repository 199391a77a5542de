"""E-mail is never lost and never sent twice: a Message-ID fixed when queued, and a record per send.

Everything here talks to a real SMTP server (aiosmtpd) that can be made slow, busy (451)
or hang up after taking a message, the faults a mail provider shows in real life.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from scent.core.emails import queue_email, send_email
from scent.ops.models import SentEmail
from scent.ops.queue.database import Worker, recover_abandoned_jobs
from scent.ops.tasks import prune_queue_results, prune_sent_emails
from scent.orders import services as orders
from tests.factories import ProductFactory, UserFactory
from tests.ops.conftest import (  # noqa: F401 - fixtures
    REDIS_TEST_URL,
    redis_queue,
    scent_env,
    scent_process,
)
from tests.orders.support import make_checkout

RESET = {
    "first_name": "Ada",
    "email": "ada@example.com",
    "reset_url": "https://shop.test/account/reset/abc/",
    "valid_minutes": 60,
}


# --- a real SMTP server with faults ----------------------------------------------------------
class MailServer:
    """aiosmtpd on 127.0.0.1 in a thread of its own; faults are switched on per test.

    `delay`: seconds to sit in DATA after keeping the message, before answering 250 (a
    slow provider; a client killed meanwhile cannot know the message was kept).
    `busy`: answer this many DATA commands with 451 (try later) and keep nothing.
    `hang_up`: keep this many messages but close the connection instead of answering.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.delay = 0.0
        self.busy = 0
        self.hang_up = 0
        self.in_data = threading.Event()
        self.in_data_for = ""
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server = None

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    async def handle_DATA(self, server, session, envelope) -> str | None:
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Busy, try again later"
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        if self.hang_up:
            self.hang_up -= 1
            server.transport.abort()
            return "421 closing"
        self.in_data_for = self.messages[-1]["Message-ID"]
        self.in_data.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        started = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(
                    self._loop.create_server(lambda: SMTP(self), host=self.host, port=0)
                )
            except BaseException as error:  # reported below
                errors.append(error)
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="smtp-faults", daemon=True)
        self._thread.start()
        if not started.wait(timeout=10) or errors:
            raise RuntimeError(f"the test SMTP server did not start: {errors}")
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def env(self) -> dict[str, str]:
        """MAIL_* for a `scent worker` subprocess sending here."""
        return {"MAIL_MAILER": "smtp", "MAIL_HOST": self.host, "MAIL_PORT": str(self.port)}


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_to(settings, smtp) -> MailServer:
    """This process's mail goes to the `smtp` server."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": smtp.host, "port": smtp.port, "timeout": 10},
        }
    }
    return smtp


def work_off() -> None:
    Worker(queue_names=["mail"], once=True, interval=0.01).run()


def skip_backoff() -> None:
    """The clock, not the code: make waiting retries due now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def reset_email() -> str:
    return queue_email(to=["ada@example.com"], template="password_reset", context=RESET)


# --- in this process, database queue ---------------------------------------------------------
@pytest.mark.django_db
def test_the_message_id_is_fixed_when_queued_and_is_the_one_that_arrives(settings, mail_to):
    settings.APP_URL = "https://shop.example.com"

    message_id = reset_email()

    job = DBTaskResult.objects.get()
    assert job.args_kwargs["kwargs"]["message_id"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@shop.example.com>")
    work_off()
    assert mail_to.message_ids == [message_id]


@pytest.mark.django_db
def test_a_job_run_again_after_its_worker_died_sends_nothing(mail_to):
    # Given: the worker sent the e-mail, then died before saving the job's result.
    message_id = reset_email()
    work_off()
    job = DBTaskResult.objects.get()
    job.status = "RUNNING"
    job.worker_ids = ["dead-worker"]
    job.started_at = timezone.now() - timedelta(days=1)
    job.save(update_fields=["status", "worker_ids", "started_at"])

    # When: recovery hands the job back and a worker runs it again.
    assert recover_abandoned_jobs(stale_after=timedelta(seconds=60)) == 1
    work_off()

    # Then: it succeeds without sending; the customer got the e-mail once.
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert job.return_value == 0
    assert mail_to.message_ids == [message_id]
    sent = SentEmail.objects.get()
    assert (sent.message_id, sent.template, sent.to) == (
        message_id,
        "password_reset",
        "ada@example.com",
    )


@pytest.mark.django_db
def test_a_busy_server_gets_the_same_message_once_when_retried(mail_to):
    # Given: the SMTP server answers the first DATA with 451 (busy, try later).
    mail_to.busy = 1
    message_id = reset_email()

    # When: the first attempt fails, and the retry runs after its backoff.
    work_off()
    assert mail_to.messages == []
    assert DBTaskResult.objects.get().status == "READY"  # waiting for its backoff
    assert not SentEmail.objects.exists()
    skip_backoff()
    work_off()
    work_off()

    # Then: one message arrived, with the Message-ID fixed when it was queued.
    job = DBTaskResult.objects.get()
    assert job.status == "SUCCESSFUL"
    assert len(job.worker_ids) == 2
    assert mail_to.message_ids == [message_id]


@pytest.mark.django_db
def test_a_server_that_kept_the_message_but_hung_up_sees_a_repeat_not_a_new_message(mail_to):
    # The one allowed repeat: the client never heard the server accept the message.
    mail_to.hang_up = 1
    message_id = reset_email()

    work_off()
    skip_backoff()
    work_off()
    skip_backoff()
    work_off()

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert mail_to.message_ids == [message_id, message_id]
    assert SentEmail.objects.filter(message_id=message_id).count() == 1


@pytest.mark.django_db
def test_a_job_queued_before_message_ids_existed_is_still_delivered_and_recorded(mail_to):
    # Given: a job left in the queue by the release before this one (no message_id).
    send_email.enqueue(to=["ada@example.com"], template="password_reset", context=RESET, headers={})

    work_off()

    [message] = mail_to.messages
    assert message["Message-ID"]
    assert SentEmail.objects.get().message_id == message["Message-ID"]


@pytest.mark.django_db
def test_two_emails_for_one_order_have_different_message_ids(settings, mail_to):
    # Given: an order paid (the provider tells us twice) and shipped.
    settings.TAX_RATE_BPS = 0
    lavender = ProductFactory(name="Lavender Oil", sku="LAV-10", price=1250, stock_quantity=5)
    order = orders.place_order(checkout=make_checkout([(lavender, 1)]))
    for _ in range(2):
        orders.mark_order_paid(
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            gateway="test",
            reference="pi_1",
        )
    order.refresh_from_db()
    orders.ship_order(order=order, tracking_number="1Z999")

    # When: the worker sends what was queued.
    work_off()

    # Then: a confirmation and a shipping notice, each with a Message-ID of its own.
    subjects = {m["Message-ID"]: m["Subject"] for m in mail_to.messages}
    assert len(mail_to.messages) == 2 and len(subjects) == 2
    assert all(order.number in subject for subject in subjects.values())
    assert sorted(SentEmail.objects.values_list("template", flat=True)) == [
        "order_confirmation",
        "order_shipped",
    ]


@pytest.mark.django_db
def test_sent_records_are_kept_a_month_then_pruned_at_night(mail_to):
    # Given: an e-mail sent 31 days ago and one sent just now.
    old = reset_email()
    work_off()
    SentEmail.objects.filter(message_id=old).update(sent_at=timezone.now() - timedelta(days=31))
    recent = reset_email()
    work_off()

    # When: the nightly queue prune runs.
    report = prune_queue_results()

    # Then: only the month-old record goes; the recent one still guards its e-mail.
    assert "1 sent-e-mail record(s)" in report
    assert list(SentEmail.objects.values_list("message_id", flat=True)) == [recent]
    with pytest.raises(ValueError, match="longer than failed jobs"):
        prune_sent_emails(older_than=timedelta(days=1))


@pytest.mark.django_db
def test_staff_find_a_sent_email_by_address_and_cannot_delete_its_record(client, mail_to):
    message_id = reset_email()
    queue_email(to=["grace@example.com"], template="password_reset", context=RESET)
    work_off()
    work_off()
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_sentemail", "delete_sentemail"])
    )
    client.force_login(user)

    listing = client.get(reverse("admin:ops_sentemail_changelist"), {"q": "ada@example.com"})
    record = SentEmail.objects.get(message_id=message_id)
    delete = client.post(reverse("admin:ops_sentemail_delete", args=[record.pk]), {"post": "yes"})

    assert listing.status_code == 200
    assert "ada@example.com" in listing.text and "grace@example.com" not in listing.text
    assert escape(message_id) in listing.text
    assert delete.status_code == 403
    assert SentEmail.objects.filter(pk=record.pk).exists()


# --- real `scent worker` processes -----------------------------------------------------------
# Short intervals keep the test fast (production: 1s, 10s, 60s); stale-after stays well
# above the heartbeat so a busy CI machine never takes a live worker for a dead one.
FAST = ("--sleep", "0.05", "--heartbeat", "0.5", "--stale-after", "5")


def wait_for(condition, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_in_the_middle_of_smtp_loses_nothing_and_repeats_only_the_same_id(
    scent_process,  # noqa: F811
    smtp,
):
    # Given: 12 e-mails and a slow SMTP server (a second in DATA before it answers).
    with transaction.atomic():
        queued = [
            queue_email(to=[f"buyer{i}@example.com"], template="password_reset", context=RESET)
            for i in range(12)
        ]
    smtp.delay = 1.0

    # When: a worker is killed with SIGKILL in the middle of an SMTP conversation, 3 times,
    # each time while sending a message no kill interrupted before (one kill can only
    # repeat the message it interrupted; a message interrupted twice arrives three times).
    kills = 3
    interrupted: set[str] = set()
    for _ in range(kills):
        worker = scent_process.start("worker", "--queue", "mail", *FAST, env=smtp.env)
        while True:
            smtp.in_data.clear()
            assert smtp.in_data.wait(timeout=60), scent_process.output(worker)
            if smtp.in_data_for not in interrupted:
                break
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        interrupted.add(smtp.in_data_for)
    smtp.delay = 0.0
    survivor = scent_process.start("worker", "--queue", "mail", *FAST, env=smtp.env)
    wait_for(
        lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == len(queued),
        what="every e-mail job to finish",
    )
    os.killpg(survivor.pid, signal.SIGTERM)
    survivor.wait(timeout=30)

    # Then: every e-mail arrived, each Message-ID at most twice, a repeat only per kill.
    arrived = Counter(smtp.message_ids)
    assert set(arrived) == set(queued), "an e-mail was lost"
    assert max(arrived.values()) <= 2
    repeats = sum(n - 1 for n in arrived.values())
    assert {mid for mid, n in arrived.items() if n == 2} == interrupted
    assert repeats == kills  # the message the server kept while the worker died
    assert set(SentEmail.objects.values_list("message_id", flat=True)) == set(queued)
    print(f"\nSIGKILL x{kills} while sending {len(queued)} e-mails: 0 lost, {repeats} repeated")


# --- the Redis queue (RQ) ------------------------------------------------------------------
REDIS_ENV = {"QUEUE_CONNECTION": "redis", "REDIS_URL": REDIS_TEST_URL}


def rq_mail_queue():
    import django_rq

    return django_rq.get_queue("mail")


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (RQ's work horse is a forked child of the worker)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_redis_job_run_twice_sends_once_and_the_record_is_in_the_database(
    redis_queue,  # noqa: F811
    scent_process,  # noqa: F811
    smtp,
):
    with transaction.atomic():
        message_id = reset_email()
    [job_id] = rq_mail_queue().job_ids

    code, output = scent_process.run(
        "worker", "--queue", "mail", "--once", env={**REDIS_ENV, **smtp.env}
    )
    assert code == 0, output
    # The same job once more, as RQ does when it believes the first run was lost.
    rq_mail_queue().enqueue_job(rq_mail_queue().fetch_job(job_id))
    code, output = scent_process.run(
        "worker", "--queue", "mail", "--once", env={**REDIS_ENV, **smtp.env}
    )
    assert code == 0, output

    assert smtp.message_ids == [message_id]
    assert rq_mail_queue().fetch_job(job_id).return_value() == 0
    # Written by the worker process, read here: the record is in the shared database.
    assert SentEmail.objects.get().message_id == message_id


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_redis_worker_killed_in_the_middle_of_smtp_repeats_only_that_message(
    redis_queue,  # noqa: F811
    scent_process,  # noqa: F811
    smtp,
):
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    with transaction.atomic():
        queued = [
            queue_email(to=[f"buyer{i}@example.com"], template="password_reset", context=RESET)
            for i in range(4)
        ]
    smtp.delay = 1.0
    worker = scent_process.start("worker", "--queue", "mail", env={**REDIS_ENV, **smtp.env})
    assert smtp.in_data.wait(timeout=60), scent_process.output(worker)
    interrupted = smtp.in_data_for

    # The machine is lost: the worker and its work horse die with no goodbye.
    horses = descendants(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=30)
    smtp.delay = 0.0
    # RQ declares the job abandoned when its heartbeat expires, then retries it after the
    # policy's backoff; skip that wait (the clock, not the code).
    started = StartedJobRegistry(queue=rq_mail_queue())
    wait_for(lambda: started.get_expired_job_ids(), timeout=120, what="the heartbeat to expire")
    env = {**REDIS_ENV, **smtp.env}
    code, output = scent_process.run("worker", "--queue", "mail", "--once", env=env)
    assert code == 0, output
    scheduled = ScheduledJobRegistry(queue=rq_mail_queue())
    for job_id in scheduled.get_job_ids():
        job = rq_mail_queue().fetch_job(job_id)
        scheduled.remove(job)
        rq_mail_queue().enqueue_job(job)
    code, output = scent_process.run("worker", "--queue", "mail", "--once", env=env)
    assert code == 0, output

    arrived = Counter(smtp.message_ids)
    assert set(arrived) == set(queued), "an e-mail was lost"
    assert {mid for mid, n in arrived.items() if n > 1} == {interrupted}
    assert arrived[interrupted] == 2
    assert set(SentEmail.objects.values_list("message_id", flat=True)) == set(queued)
