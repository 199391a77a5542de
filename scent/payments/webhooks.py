"""Stripe webhook events: each event id is processed once, in one transaction.

The event is recorded in the same transaction as its effects, so an exception rolls
both back and Stripe's retry gets a clean second chance. Handlers are tolerant of
out-of-order delivery: a refund implies the payment succeeded, and a failure reported
after success never un-pays an order (see services.record_payment_result).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from scent.payments import services
from scent.payments.gateways import PaymentState, RefundResult, State
from scent.payments.gateways.stripe_gateway import StripeGateway, intent_state, refund_result
from scent.payments.models import Payment, WebhookEvent

logger = logging.getLogger(__name__)

GATEWAY = "stripe"


class BadEvent(ValueError):
    """The payload is not a Stripe event we can read."""


def process_event(event: dict[str, Any]) -> bool:
    """Apply one verified Stripe event; False if it was already processed (a replay)."""
    try:
        event_id, event_type = str(event["id"]), str(event["type"])
        obj = event["data"]["object"]
    except (KeyError, TypeError) as error:
        raise BadEvent(f"not a Stripe event: missing {error}") from None
    if not isinstance(obj, dict):
        raise BadEvent("not a Stripe event: data.object is not an object")
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return False
    handler = HANDLERS.get(event_type)
    # Anything the handler must fetch from Stripe is fetched before the transaction,
    # so no database lock is held across a network call.
    prepared = handler.prepare(obj) if handler else None
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                event_id=event_id, type=event_type, livemode=bool(event.get("livemode"))
            )
            if handler:
                handler.apply(obj, prepared)
    except IntegrityError:
        # The same event delivered twice at once: the other delivery recorded it first.
        if WebhookEvent.objects.filter(event_id=event_id).exists():
            return False
        raise
    logger.info("stripe event processed", extra={"event_id": event_id, "event_type": event_type})
    return True


def _gateway() -> StripeGateway | None:
    return StripeGateway.from_settings() if settings.STRIPE_SECRET else None


def _payment_for_intent(state: PaymentState, client_secret: str = "") -> Payment | None:
    """Our Payment for a PaymentIntent, created from its metadata if we have not seen it."""
    payment = Payment.objects.filter(gateway=GATEWAY, reference=state.reference).first()
    if payment is not None or not state.order_number:
        return payment
    # E.g. a webhook that overtook the pay page's own write; only our intents carry
    # the order number in their metadata.
    from scent.orders.models import Order

    if not Order.objects.filter(number=state.order_number).exists():
        # Another shop on the same Stripe account, or an order deleted since: retrying
        # would never help, so acknowledge and log.
        logger.warning(
            "stripe event for an unknown order",
            extra={"order_number": state.order_number, "reference": state.reference},
        )
        return None
    attempt = Payment.objects.filter(order_number=state.order_number, gateway=GATEWAY).count() + 1
    payment, _ = Payment.objects.get_or_create(
        gateway=GATEWAY,
        reference=state.reference,
        defaults={
            "order_number": state.order_number,
            "attempt": attempt,
            "idempotency_key": f"webhook-{state.reference}",
            "amount": state.amount,
            "currency": state.currency,
            # So the pay page can offer this intent again after a decline.
            "client_secret": client_secret,
        },
    )
    return payment


class IntentHandler:
    """payment_intent.succeeded / .payment_failed / .processing / .canceled."""

    def __init__(self, status: State) -> None:
        self.status = status

    def prepare(self, intent: dict) -> None:
        return None

    def apply(self, intent: dict, prepared: None) -> None:
        state = intent_state(intent)
        if self.status is State.FAILED and state.status is not State.FAILED:
            # Some payloads carry the error only in last_payment_error; trust the event type.
            state = _with_status(state, State.FAILED, "The payment was declined.")
        payment = _payment_for_intent(state, str(intent.get("client_secret") or ""))
        if payment is None:
            logger.info(
                "stripe event for a payment that is not ours", extra={"reference": state.reference}
            )
            return
        services.record_payment_result(payment=payment, state=state)


def _with_status(state: PaymentState, status: State, message: str = "") -> PaymentState:
    return PaymentState(
        reference=state.reference,
        status=status,
        amount=state.amount,
        currency=state.currency,
        order_number=state.order_number,
        card_brand=state.card_brand,
        card_last4=state.card_last4,
        failure_message=state.failure_message or message,
    )


class ChargeRefundedHandler:
    """charge.refunded: record every refund on the charge, ours or from the dashboard."""

    def prepare(self, charge: dict) -> tuple[PaymentState | None, list[RefundResult]]:
        intent_id = charge.get("payment_intent")
        if not intent_id:
            return None, []
        known = Payment.objects.filter(gateway=GATEWAY, reference=intent_id).exists()
        gateway = _gateway()
        intent = None
        if not known and gateway is not None:
            intent = gateway.retrieve(intent_id)  # to learn which order it belongs to
        embedded = charge.get("refunds")
        if isinstance(embedded, dict) and "data" in embedded and not embedded.get("has_more"):
            refunds = [refund_result(r) for r in embedded["data"]]
        elif gateway is not None:
            # Since API version 2022-11-15 the charge no longer embeds its refunds.
            refunds = gateway.list_refunds(intent_id)
        else:
            refunds = []
        return intent, refunds

    def apply(self, charge: dict, prepared: tuple[PaymentState | None, list[RefundResult]]) -> None:
        intent, refunds = prepared
        intent_id = charge.get("payment_intent")
        if not intent_id:
            return
        state = intent or PaymentState(
            reference=intent_id,
            status=State.SUCCEEDED,
            amount=int(charge.get("amount", 0)),
            currency=str(charge.get("currency", "")).upper(),
        )
        payment = _payment_for_intent(state)
        if payment is None:
            logger.info(
                "stripe refund for a payment that is not ours", extra={"reference": intent_id}
            )
            return
        # A refunded charge was paid: if charge.refunded overtook payment_intent.succeeded,
        # the order becomes paid first (once), then refunded.
        paid = charge.get("paid", True) and charge.get("status", "succeeded") == "succeeded"
        if paid:
            services.record_payment_result(
                payment=payment, state=_with_status(state, State.SUCCEEDED)
            )
        for result in refunds:
            if (
                result.status != "failed"
                or payment.refunds.filter(reference=result.reference).exists()
            ):
                services.apply_refund_result(payment=payment, result=result)


class RefundUpdatedHandler:
    """refund.updated / charge.refund.updated: a pending refund succeeded or failed."""

    def prepare(self, refund: dict) -> None:
        return None

    def apply(self, refund: dict, prepared: None) -> None:
        intent_id = refund.get("payment_intent")
        payment = Payment.objects.filter(gateway=GATEWAY, reference=intent_id).first()
        if payment is None or payment.status != "succeeded":
            return  # charge.refunded will record it once the payment is known
        services.apply_refund_result(payment=payment, result=refund_result(refund))


class EventHandler(Protocol):
    def prepare(self, obj: dict) -> Any:
        """Fetch what apply() needs from Stripe (outside the database transaction)."""

    def apply(self, obj: dict, prepared: Any) -> None:
        """Change the shop's records; runs inside the event's transaction."""


HANDLERS: dict[str, EventHandler] = {
    "payment_intent.succeeded": IntentHandler(State.SUCCEEDED),
    "payment_intent.payment_failed": IntentHandler(State.FAILED),
    "payment_intent.processing": IntentHandler(State.PROCESSING),
    "payment_intent.canceled": IntentHandler(State.CANCELED),
    "charge.refunded": ChargeRefundedHandler(),
    "charge.refund.updated": RefundUpdatedHandler(),
    "refund.updated": RefundUpdatedHandler(),
}
