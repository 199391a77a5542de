"""Transactional e-mail: layouts, validation, transactions, and what the SMTP server sees."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scent.core.emails import EmailError, queue_email, render_email, send_email, unsubscribe_headers
from scent.ops.queue.database import Worker
from tests.ops.conftest import mail_to_smtp, smtp_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

RESET = {
    "first_name": "Ada",
    "email": "ada@example.com",
    "reset_url": "https://shop.test/account/reset/abc/",
    "valid_minutes": 60,
}


def work_off() -> None:
    Worker(queue_names=["mail"], once=True, interval=0.01).run()


def test_bodies_use_the_shop_layouts(settings):
    settings.APP_NAME = "The Scent"
    settings.APP_URL = "https://shop.test"

    subject, text, html = render_email("password_reset", RESET)

    assert "\n" not in subject and "The Scent" in subject
    assert html.lstrip().startswith("<!doctype html>")
    assert 'href="https://shop.test"' in html  # the layout's header links home
    assert "https://shop.test/account/reset/abc/" in html
    assert text.rstrip().endswith("https://shop.test")  # the plain-text layout's signature
    assert "<" not in text.replace("<https", "")
    assert "Unsubscribe" not in html and "Unsubscribe" not in text


def test_unsubscribe_header_adds_the_link_to_both_bodies():
    headers = unsubscribe_headers("https://shop.test/u/1", mailto="unsubscribe@shop.test")

    _, text, html = render_email("password_reset", RESET, headers)

    assert headers["List-Unsubscribe"] == (
        "<https://shop.test/u/1>, <mailto:unsubscribe@shop.test?subject=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Unsubscribe: https://shop.test/u/1" in text
    assert 'href="https://shop.test/u/1"' in html


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("ada@example.com", "non-empty list"),
        ([], "non-empty list"),
        (["not-an-address"], "non-empty list"),
    ],
)
def test_bad_recipients_are_refused_when_queued(to, message):
    with pytest.raises(EmailError, match=message):
        queue_email(to=to, template="password_reset", context=RESET)
    assert not DBTaskResult.objects.exists()


def test_unknown_template_is_refused_when_queued():
    with pytest.raises(EmailError, match=r"emails/nope/subject\.txt does not exist"):
        queue_email(to=["ada@example.com"], template="nope")


def test_database_queue_keeps_the_email_only_if_the_transaction_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to=["ada@example.com"], template="password_reset", context=RESET)
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()

    with transaction.atomic():
        queue_email(to=["ada@example.com"], template="password_reset", context=RESET)
        assert (
            DBTaskResult.objects.filter(queue_name="mail").count() == 1
        )  # in the same transaction


def test_sync_queue_sends_only_after_commit(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to=["ada@example.com"], template="password_reset", context=RESET)
        assert mail.outbox == []

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.alternatives[0].mimetype == "text/html"


def test_worker_delivers_text_and_html_from_the_shop_address(settings, mail_to_smtp):  # noqa: F811
    settings.DEFAULT_FROM_EMAIL = "The Scent <hello@shop.test>"
    queue_email(to=["ada@example.com"], template="password_reset", context=RESET)

    work_off()

    [message] = mail_to_smtp.messages
    assert message["From"] == "The Scent <hello@shop.test>"
    assert message["To"] == "ada@example.com"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_refused_recipient_fails_at_once_without_retries(mail_to_smtp):  # noqa: F811
    mail_to_smtp.refuse.add("gone@example.com")
    result = send_email.enqueue(
        to=["gone@example.com"], template="password_reset", context=RESET, headers={}
    )

    work_off()

    result.refresh()
    assert result.status == "FAILED"
    assert result.attempts == 1
    assert "SMTPRecipientsRefused" in result.errors[0].traceback
    assert mail_to_smtp.messages == []


def test_unreachable_server_is_retried_until_it_answers(settings, smtp_server):  # noqa: F811
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 5},  # nothing listens
        }
    }
    result = send_email.enqueue(
        to=["ada@example.com"], template="password_reset", context=RESET, headers={}
    )
    work_off()
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"

    # The server comes back; skip the backoff wait (the clock, not the code).
    settings.MAILERS["default"]["OPTIONS"]["port"] = smtp_server.port
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())
    work_off()

    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.attempts == 2
    assert len(smtp_server.messages) == 1


def test_log_mailer_writes_the_message_to_the_log(settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "scent.core.mail.LogEmailBackend"}}
    queue_email(to=["ada@example.com"], template="password_reset", context=RESET)

    with caplog.at_level("INFO", logger="scent.mail"):
        work_off()

    [record] = [r for r in caplog.records if r.name == "scent.mail"]
    assert "to=ada@example.com" in record.getMessage()
    assert "https://shop.test/account/reset/abc/" in record.mail_body


MAILER_PROBE = """
import importlib, json, os
import scent.settings as s
out = {}
for mailer, extra in [
    ("smtp", {"MAIL_ENCRYPTION": "ssl"}),
    ("smtp", {"MAIL_ENCRYPTION": "tls", "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p"}),
    ("log", {}), ("console", {}), ("file", {}), ("array", {}),
    ("mailgun", {"MAILGUN_DOMAIN": "mg.shop.test", "MAILGUN_SECRET": "key-1"}),
    ("ses", {}), ("postmark", {}), ("sendgrid", {}), ("resend", {}),
]:
    os.environ.update({"MAIL_MAILER": mailer, **extra})
    importlib.reload(s)
    out[mailer + extra.get("MAIL_ENCRYPTION", "")] = {
        "backend": s.MAILERS["default"]["BACKEND"],
        "options": {k: str(v) for k, v in s.MAILERS["default"]["OPTIONS"].items()},
        "from": s.DEFAULT_FROM_EMAIL,
        "mailgun_domain": s.ANYMAIL["MAILGUN_SENDER_DOMAIN"],
    }
print(json.dumps(out))
"""


def test_mail_mailer_chooses_the_backend_like_laravel(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "MAILGUN_"))}
    env.update(
        {
            "MAIL_FROM_ADDRESS": "hello@shop.test",
            "MAIL_FROM_NAME": "The Scent",
            "STORAGE_PATH": str(tmp_path),
        }
    )
    probe = subprocess.run(
        [sys.executable, "-c", MAILER_PROBE], env=env, capture_output=True, text=True, check=True
    )
    mailers = json.loads(probe.stdout.strip().splitlines()[-1])

    assert mailers["smtpssl"]["options"]["port"] == "465"
    assert mailers["smtpssl"]["options"]["use_ssl"] == "True"
    assert mailers["smtptls"]["options"]["port"] == "587"
    assert mailers["smtptls"]["options"]["use_tls"] == "True"
    assert mailers["smtptls"]["options"]["username"] == "u"
    assert mailers["log"]["backend"] == "scent.core.mail.LogEmailBackend"
    assert mailers["file"]["options"]["file_path"] == str(tmp_path / "mail")
    assert mailers["array"]["backend"] == "django.core.mail.backends.locmem.EmailBackend"
    assert mailers["mailgun"]["backend"] == "anymail.backends.mailgun.EmailBackend"
    assert mailers["mailgun"]["mailgun_domain"] == "mg.shop.test"
    assert mailers["ses"]["backend"] == "anymail.backends.amazon_ses.EmailBackend"
    assert mailers["postmark"]["backend"] == "anymail.backends.postmark.EmailBackend"
    assert mailers["log"]["from"] == "The Scent <hello@shop.test>"
