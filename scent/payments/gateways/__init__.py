"""Payment gateways, chosen by settings.PAYMENT_GATEWAY ("test" or "stripe")."""

from __future__ import annotations

from django.conf import settings

from scent.payments.gateways.base import (
    CardDeclined,
    GatewayError,
    PaymentGateway,
    PaymentRequest,
    PaymentStart,
    PaymentState,
    RefundResult,
    State,
)

__all__ = [
    "CardDeclined",
    "GatewayError",
    "PaymentGateway",
    "PaymentRequest",
    "PaymentStart",
    "PaymentState",
    "RefundResult",
    "State",
    "get_gateway",
]


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The configured gateway (or the one called `name`, e.g. for a payment's own gateway)."""
    name = name or settings.PAYMENT_GATEWAY
    if name == "test":
        from scent.payments.gateways.offline import OfflineTestGateway

        return OfflineTestGateway()
    if name == "stripe":
        from scent.payments.gateways.stripe_gateway import StripeGateway

        return StripeGateway.from_settings()
    raise GatewayError(f"Unknown payment gateway {name!r}; use 'test' or 'stripe'.")
