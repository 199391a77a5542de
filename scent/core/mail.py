"""MAIL_MAILER=log: write messages to the log instead of sending them (Laravel's `log` mailer)."""

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger("scent.mail")


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info(
                "mail to=%s subject=%s",
                ", ".join(message.recipients()),
                message.subject,
                extra={"mail_body": message.body},
            )
        return len(email_messages)
