"""Transactional e-mail: rendered from templates, always sent by a queued job.

Call `queue_email(...)` inside the transaction that makes the change the e-mail is
about (order placed, password reset asked, ...). With the database queue the job row
is written in that same transaction, so the e-mail exists exactly when the change
does. With the Redis queue a PendingEmail row is written in that transaction instead
and the job pushed to Redis right after the commit; a process killed between the two
(or a Redis away at that moment) leaves the row, which `push_pending_emails` pushes a
minute later (scheduler job mail:push-pending).

Templates live in `emails/<template>/`: subject.txt, body.txt and body.html. Bodies
extend the shop's layouts, `emails/base.txt` and `emails/base.html` (blocks `content`,
and `preheader` in HTML). Every template gets APP_NAME, APP_URL and, when the message
has a List-Unsubscribe header (see `unsubscribe_headers`), `unsubscribe_url`.

The send job retries transient failures (SMTP server down or busy, provider API errors)
with backoff; a message the server refuses outright fails at once and stays in the
failed jobs (admin, `scent queue status`) with its traceback.

Never lost, never sent twice (as far as e-mail allows):

- Every e-mail gets its Message-ID when it is queued (`make_msgid` with APP_URL's host),
  carried in the job's kwargs and set on the message, so every attempt of one job sends
  the same Message-ID. A receiver can tell a repeat (the same Message-ID again) from a
  duplicate (two Message-IDs for one purpose, which only a second `queue_email` makes).
- Each send the mail backend accepted is recorded at once (ops.SentEmail, unique on the
  Message-ID); an attempt whose Message-ID is recorded sends nothing and succeeds. So a
  job re-run after its worker was killed, after a crash before its result was saved, or
  by `scent queue retry`, does not send again.
- The one allowed repeat: a worker killed (or its database lost) after the server took
  the message but before the record was written, e.g. while it waits for the reply to
  SMTP DATA, cannot know whether the server kept it, so the retry sends it again, with
  the same Message-ID. Two workers running one job at the same time (one presumed dead
  while it was only slow) can repeat it the same way. Records are kept 30 days
  (scent.ops.tasks.prune_sent_emails), longer than any job can wait to run again.

The arrow runs core -> ops here (the queue, the SentEmail model): ops holds the state
every machine shares; ops imports nothing of this module.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.dispatch import Signal
from django.tasks import task
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from scent.ops.models import PendingEmail, SentEmail
from scent.ops.queue import backend_kind
from scent.ops.queue.retry import retry

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"
PUSH_AFTER = timedelta(minutes=1)  # a pending e-mail older than this lost its process

# Sent after the mail backend accepted an e-mail (and its send was recorded), with
# message_id, template and to: for apps that show what went out (a newsletter
# campaign's progress). A failing receiver is logged; the e-mail stays sent.
email_sent = Signal()


class EmailError(ValueError):
    """queue_email was called with something that can never be sent."""


def queue_email(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Enqueue `emails/<template>` (subject.txt, body.txt, body.html) to `to`.

    `context` must be JSON-serialisable (ids and strings, not model instances): the job
    re-reads what it needs, so the e-mail shows the state at sending time. Return the
    Message-ID the e-mail will carry (fixed now, the same on every attempt).
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
        "message_id": new_message_id(),
    }
    kind = backend_kind()
    if kind == "database":
        send_email.enqueue(**kwargs)
    elif kind == "redis":
        pending = PendingEmail.objects.create(message_id=kwargs["message_id"], job=kwargs)
        transaction.on_commit(lambda: _push(pending))
    else:
        transaction.on_commit(lambda: send_email.enqueue(**kwargs))
    return kwargs["message_id"]


def _push(pending: PendingEmail) -> bool:
    """Put a pending e-mail's job on the queue, then forget the row; False if the queue
    cannot be reached (the row stays for `push_pending_emails`)."""
    try:
        send_email.enqueue(**pending.job)
    except Exception:  # Redis down or refusing: the e-mail must not be lost with the error
        logger.warning(
            "mail queue unreachable, the e-mail waits for the next push",
            exc_info=True,
            extra={"template": pending.job.get("template"), "message_id": pending.message_id},
        )
        return False
    PendingEmail.objects.filter(pk=pending.pk).delete()
    return True


def push_pending_emails(*, older_than: timedelta = PUSH_AFTER, limit: int = 500) -> int:
    """Push the e-mails whose process died (or met no queue) between its commit and its
    push, oldest first; returns how many reached the queue. The scheduler runs it every
    minute. Rows younger than `older_than` are left to the process that wrote them."""
    cutoff = timezone.now() - older_than
    pushed = 0
    for pending in PendingEmail.objects.filter(created_at__lte=cutoff).order_by("pk")[:limit]:
        if not _push(pending):
            break  # the queue is away: the rest waits for the next minute
        pushed += 1
    if pushed:
        logger.warning("pushed %d e-mail(s) left behind by a lost process", pushed)
    return pushed


def new_message_id() -> str:
    """A new, globally unique Message-ID in the shop's own domain (APP_URL's host)."""
    return make_msgid(domain=_msgid_domain())


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
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    headers: dict[str, str],
    message_id: str = "",
) -> int:
    """Render and send one transactional e-mail once; return how many messages this attempt sent.

    Transient failures are retried with backoff. An e-mail whose Message-ID is already
    recorded as sent is not sent again (0). A job queued before e-mails had a Message-ID
    gets a new one on each attempt, so only it can still be repeated with a new one.
    """
    message_id = message_id or new_message_id()
    if SentEmail.objects.filter(message_id=message_id).exists():
        logger.info(
            "mail already sent, not sending again",
            extra={"template": template, "message_id": message_id},
        )
        return 0
    subject, text, html = render_email(template, context, headers)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={**headers, "Message-ID": message_id},
    )
    message.attach_alternative(html, "text/html")
    sent = message.send()
    if sent:
        _record_sent(message_id, template=template, to=to)
        _announce_sent(message_id, template=template, to=to)
    logger.info(
        "mail sent",
        extra={"template": template, "recipients": len(to), "message_id": message_id},
    )
    return sent


def _announce_sent(message_id: str, *, template: str, to: list[str]) -> None:
    for receiver, error in email_sent.send_robust(
        sender=send_email, message_id=message_id, template=template, to=to
    ):
        if isinstance(error, Exception):
            logger.error(
                "mail sent, but a receiver of email_sent failed: %r",
                receiver,
                exc_info=error,
                extra={"template": template, "message_id": message_id},
            )


def _record_sent(message_id: str, *, template: str, to: list[str]) -> None:
    try:
        SentEmail.objects.get_or_create(
            message_id=message_id,
            defaults={"template": template, "to": ", ".join(to), "sent_at": timezone.now()},
        )
    except DatabaseError:
        # Sent but not recorded: failing the job now would only invite a manual retry that
        # really sends it twice. Like a kill at this point, a re-run may repeat it.
        logger.exception(
            "mail sent but its send could not be recorded",
            extra={"template": template, "message_id": message_id},
        )


def _msgid_domain() -> str:
    return urlsplit(settings.APP_URL).hostname or "localhost"
