"""Transactional e-mail: rendered from templates, always sent by a queued job.

Call `queue_email(...)` inside the transaction that makes the change the e-mail is
about (order placed, password reset asked, ...). With the database queue the job row
is written in that same transaction, so the e-mail exists exactly when the change
does; with other backends it is enqueued on commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"


def queue_email(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Enqueue `emails/<template>` (subject.txt, body.txt, body.html) to `to`.

    `context` must be JSON-serialisable (ids and strings, not model instances): the job
    re-reads what it needs, so the e-mail shows the state at sending time.
    """
    kwargs = {"to": to, "template": template, "context": context or {}, "headers": headers or {}}
    if _queue_is_transactional():
        send_email.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: send_email.enqueue(**kwargs))


def _queue_is_transactional() -> bool:
    backend = settings.TASKS["default"]["BACKEND"]
    return backend.startswith("django_tasks_db.")


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text body, html body) for `emails/<template>/`."""
    context = {"APP_NAME": settings.APP_NAME, "APP_URL": settings.APP_URL, **context}
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    text = render_to_string(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return " ".join(subject.split()), text, html


@task(queue_name=MAIL_QUEUE)
def send_email(
    *, to: list[str], template: str, context: dict[str, Any], headers: dict[str, str]
) -> int:
    """Render and send one transactional e-mail; the queue retries it if the server fails."""
    subject, text, html = render_email(template, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    sent = message.send()
    logger.info("mail sent", extra={"template": template, "recipients": len(to)})
    return sent
