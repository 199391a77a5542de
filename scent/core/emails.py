"""Transactional e-mail: rendered from templates, always sent by a queued job.

Call `queue_email(...)` inside the transaction that makes the change the e-mail is
about (order placed, password reset asked, ...). With the database queue the job row
is written in that same transaction, so the e-mail exists exactly when the change
does; with other backends it is enqueued on commit.

Templates live in `emails/<template>/`: subject.txt, body.txt and body.html. Bodies
extend the shop's layouts, `emails/base.txt` and `emails/base.html` (blocks `content`,
and `preheader` in HTML). Every template gets APP_NAME, APP_URL and, when the message
has a List-Unsubscribe header (see `unsubscribe_headers`), `unsubscribe_url`.

The send job retries transient failures (SMTP server down or busy, provider API errors)
with backoff; a message the server refuses outright fails at once and stays in the
failed jobs (admin, `scent queue status`) with its traceback.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

from scent.ops.queue import backend_kind
from scent.ops.queue.retry import retry

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"


class EmailError(ValueError):
    """queue_email was called with something that can never be sent."""


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
    if isinstance(to, str) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise EmailError(f"`to` must be a non-empty list of e-mail addresses, not {to!r}")
    for part in ("subject.txt", "body.txt", "body.html"):
        try:
            get_template(f"emails/{template}/{part}")
        except TemplateDoesNotExist:
            raise EmailError(f"e-mail template emails/{template}/{part} does not exist") from None
    kwargs = {
        "to": list(to),
        "template": template,
        "context": context or {},
        "headers": headers or {},
    }
    if _queue_is_transactional():
        send_email.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: send_email.enqueue(**kwargs))


def _queue_is_transactional() -> bool:
    return backend_kind() == "database"


def unsubscribe_headers(url: str, *, mailto: str = "") -> dict[str, str]:
    """Headers for a one-click unsubscribe link (RFC 8058), for marketing-like e-mail."""
    targets = [f"<{url}>"] + ([f"<mailto:{mailto}?subject=unsubscribe>"] if mailto else [])
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_email(
    template: str, context: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[str, str, str]:
    """Return (subject, text body, html body) for `emails/<template>/`."""
    context = {
        "APP_NAME": settings.APP_NAME,
        "APP_URL": settings.APP_URL,
        "unsubscribe_url": _unsubscribe_url(headers or {}),
        **context,
    }
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    text = render_to_string(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return " ".join(subject.split()), text.strip() + "\n", html


def _unsubscribe_url(headers: dict[str, str]) -> str:
    for target in headers.get("List-Unsubscribe", "").split(","):
        target = target.strip().strip("<>")
        if target.startswith(("https://", "http://")):
            return target
    return ""


@retry(
    attempts=5,
    backoff=(60, 300, 900, 3600),
    # Connection refused/reset, timeouts, 4xx "try later": the server may be back soon.
    on=(smtplib.SMTPException, OSError, AnymailAPIError),
    # The server refused the address or the message itself: retrying cannot help.
    not_on=(smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused, AnymailInvalidAddress),
)
@task(queue_name=MAIL_QUEUE)
def send_email(
    *, to: list[str], template: str, context: dict[str, Any], headers: dict[str, str]
) -> int:
    """Render and send one transactional e-mail; transient failures are retried with backoff."""
    subject, text, html = render_email(template, context, headers)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    sent = message.send()
    logger.info("mail sent", extra={"template": template, "recipients": len(to)})
    return sent
