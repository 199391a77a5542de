"""Error tracking: sentry-sdk when SENTRY_DSN is set (called at the end of settings)."""

from __future__ import annotations

from typing import Any

from scent.core.logging import Redactor


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str,
    traces_sample_rate: float = 0.0,
    secret_values: list[str] | None = None,
) -> bool:
    """Start sentry-sdk with the Django integration; return False when no DSN is set.

    No personal data is sent (send_default_pii=False), and every event goes through the
    same redaction as the logs, so a card number in an exception message stays here.
    """
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    redactor = Redactor(secret_values or [], max_depth=64)

    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        return redactor.value(event)

    # A 500's access line is logged at ERROR; the exception itself is already the event.
    from sentry_sdk.integrations.logging import ignore_logger

    ignore_logger("scent.request")
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
    )
    return True
