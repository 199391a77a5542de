"""The `stripe` gateway: PaymentIntents through the official library, confirmed by Stripe.js.

Every state-changing call carries an idempotency key derived from the order (and the
attempt or refund request), so a retried request never creates a second
PaymentIntent or refund. Amounts and currencies always come from the order on the
server; the browser only ever sees the client secret.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings

from scent.payments.gateways.base import (
    CardDeclined,
    GatewayError,
    PaymentRequest,
    PaymentStart,
    PaymentState,
    RefundResult,
    State,
)

if TYPE_CHECKING:
    from scent.payments.models import Payment

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "The payment service is not answering right now. Please try again in a minute."
)

_INTENT_STATES = {
    "succeeded": State.SUCCEEDED,
    "processing": State.PROCESSING,
    "requires_capture": State.PROCESSING,
    "requires_action": State.PENDING,
    "requires_confirmation": State.PENDING,
    "requires_payment_method": State.PENDING,
    "canceled": State.CANCELED,
}


_REFUND_STATES = {
    "succeeded": "succeeded",
    "pending": "pending",
    "requires_action": "pending",
    "failed": "failed",
    "canceled": "failed",
}


def _plain(obj: Any) -> dict:
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj


def intent_state(intent: Any) -> PaymentState:
    """Read a PaymentIntent (a StripeObject or the dict inside a webhook event)."""
    intent = _plain(intent)
    status = _INTENT_STATES.get(intent["status"], State.PENDING)
    error = intent.get("last_payment_error") or {}
    if status is State.PENDING and error:
        status = State.FAILED  # declined; the shopper may retry on the same intent
    brand = last4 = ""
    method = intent.get("payment_method")
    if method and not isinstance(method, str) and method.get("card"):
        brand, last4 = method["card"].get("brand") or "", method["card"].get("last4") or ""
    metadata = intent.get("metadata") or {}
    return PaymentState(
        reference=intent["id"],
        status=status,
        amount=int(intent["amount"]),
        currency=str(intent["currency"]).upper(),
        order_number=metadata.get("order_number", ""),
        card_brand=brand,
        card_last4=last4,
        failure_message=(error.get("message") or "") if status is State.FAILED else "",
    )


def refund_result(refund: Any) -> RefundResult:
    refund = _plain(refund)
    metadata = refund.get("metadata") or {}
    status = _REFUND_STATES.get(refund.get("status") or "succeeded", "pending")
    return RefundResult(
        reference=refund["id"],
        amount=int(refund["amount"]),
        status=status,
        idempotency_key=metadata.get("scent_refund_key", ""),
        failure_message=refund.get("failure_reason") or "",
    )


class StripeGateway:
    name = "stripe"
    label = "Card payment"
    form_template = "payments/_stripe_form.html"

    def __init__(self, *, secret: str, publishable_key: str, api_base: str = "") -> None:
        if not secret:
            raise GatewayError("STRIPE_SECRET is not set; the Stripe gateway cannot be used.")
        self.publishable_key = publishable_key
        self.client = stripe.StripeClient(
            secret,
            base_addresses={"api": api_base} if api_base else None,
            # Retries reuse the same idempotency key, so they are safe.
            max_network_retries=2,
        )

    @classmethod
    def from_settings(cls) -> StripeGateway:
        return cls(
            secret=settings.STRIPE_SECRET,
            publishable_key=settings.STRIPE_KEY,
            api_base=settings.STRIPE_API_BASE,
        )

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        params: dict[str, Any] = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "metadata": {"order_number": request.order_number, "attempt": str(request.attempt)},
        }
        intent = self._call(
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": request.idempotency_key},
        )
        return PaymentStart(
            reference=intent.id,
            status=intent_state(intent).status,
            client_secret=intent.client_secret,
        )

    def retrieve(self, reference: str) -> PaymentState:
        intent = self._call(
            self.client.v1.payment_intents.retrieve,
            reference,
            params={"expand": ["payment_method"]},
        )
        return intent_state(intent)

    def refund(self, payment: Payment, amount: int, idempotency_key: str) -> RefundResult:
        refund = self._call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": payment.reference,
                "amount": amount,
                "metadata": {
                    "order_number": payment.order_number,
                    "scent_refund_key": idempotency_key,
                },
            },
            options={"idempotency_key": idempotency_key},
        )
        return refund_result(refund)

    def list_refunds(self, reference: str) -> list[RefundResult]:
        refunds = self._call(
            self.client.v1.refunds.list, params={"payment_intent": reference, "limit": 100}
        )
        return [refund_result(r) for r in refunds.auto_paging_iter()]

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except stripe.CardError as error:
            raise CardDeclined(
                error.user_message or "Your card was declined.", code=error.code or ""
            ) from error
        except stripe.InvalidRequestError as error:
            logger.warning(
                "stripe rejected a request",
                extra={"code": error.code, "stripe_message": error.user_message},
            )
            raise GatewayError(
                error.user_message or "The payment could not be processed.", code=error.code or ""
            ) from error
        except stripe.StripeError as error:
            logger.error(
                "stripe request failed",
                extra={"error_type": type(error).__name__, "stripe_message": error.user_message},
            )
            raise GatewayError(UNAVAILABLE_MESSAGE, code="api_error") from error
