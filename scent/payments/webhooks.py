"""Stripe webhook events: each event id is processed once, in one transaction.

The event is recorded in the same transaction as its effects, so an exception rolls
both back and Stripe's retry gets a clean second chance. Handlers are tolerant of
out-of-order delivery: a refund implies the payment succeeded, and a failure reported
after success never un-pays an order (see services.record_payment_result).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from scent.payments import services
from scent.payments.gateways import PaymentState, RefundResult, State
from scent.payments.gateways.stripe_gateway import StripeGateway, intent_state, refund_result
from scent.payments.models import Payment, WebhookEvent

logger = logging.getLogger(__name__)

GATEWAY = "stripe"


class BadEvent(ValueError):
    """The payload is not a Stripe event at all (answered 400)."""


class UnusableEvent(ValueError):
    """A Stripe event we handle whose object we cannot read, even from Stripe (answered 200).

    Retrying would never help, so the event is acknowledged, logged with its id, and not
    recorded as processed.
    """

    def __init__(self, event_id: str, event_type: str, problems: list[str]) -> None:
        super().__init__(f"{event_type} {event_id}: " + "; ".join(problems))
        self.event_id, self.event_type, self.problems = event_id, event_type, problems


@dataclass(frozen=True)
class Field:
    """What one field of a Stripe object must be, for the fields the handlers read."""

    kinds: tuple[type, ...]
    required: bool = False
    max_length: int | None = None  # str
    maximum: int | None = None  # int (never bool), always >= 0
    inner: Mapping[str, Field] | None = None  # dict: its own fields
    items: Mapping[str, Field] | None = None  # list of dicts: each item's fields


NULL = type(None)
MAX_AMOUNT = 10**12  # minor units; Stripe's own limit is far lower (99,999,999)
MAX_LIST = 1000
ID = Field((str,), required=True, max_length=255)
AMOUNT = Field((int,), required=True, maximum=MAX_AMOUNT)
CURRENCY = Field((str,), required=True, max_length=3)

INTENT_SHAPE: dict[str, Field] = {
    "id": ID,
    "status": Field((str,), required=True, max_length=64),
    "amount": AMOUNT,
    "currency": CURRENCY,
    "client_secret": Field((str, NULL), max_length=255),
    "metadata": Field((dict, NULL), inner={"order_number": Field((str,), max_length=32)}),
    "last_payment_error": Field((dict, NULL), inner={"message": Field((str, NULL))}),
    "payment_method": Field(
        (str, dict, NULL),
        max_length=255,
        inner={
            "card": Field(
                (dict, NULL),
                inner={"brand": Field((str, NULL)), "last4": Field((str, NULL), max_length=4)},
            )
        },
    ),
}
REFUND_SHAPE: dict[str, Field] = {
    "id": ID,
    "amount": AMOUNT,
    "status": Field((str, NULL), max_length=64),
    "payment_intent": Field((str, NULL), max_length=255),
    "metadata": Field((dict, NULL), inner={"scent_refund_key": Field((str,), max_length=255)}),
    "failure_reason": Field((str, NULL), max_length=500),
}
CHARGE_SHAPE: dict[str, Field] = {
    "id": ID,
    "payment_intent": Field((str, NULL), max_length=255),
    "amount": Field((int,), maximum=MAX_AMOUNT),
    "currency": Field((str,), max_length=3),
    "paid": Field((bool,)),
    "status": Field((str,), max_length=64),
    "refunds": Field(
        (dict, NULL),
        inner={"data": Field((list,), items=REFUND_SHAPE), "has_more": Field((bool,))},
    ),
}


def shape_problems(obj: Mapping[str, Any], shape: Mapping[str, Field], path: str = "") -> list[str]:
    """Every way `obj` differs from `shape`, as readable phrases; [] when it fits."""
    problems: list[str] = []
    for name, field in shape.items():
        where = f"{path}{name}"
        if name not in obj or obj[name] is None:
            if field.required:
                problems.append(f"{where} is missing")
            continue
        value = obj[name]
        if isinstance(value, bool) and bool not in field.kinds:
            problems.append(f"{where} is a boolean")
            continue
        if not isinstance(value, field.kinds):
            problems.append(f"{where} is {type(value).__name__}, not {_kind_names(field)}")
            continue
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            problems.append(f"{where} is longer than {field.max_length} characters")
        elif isinstance(value, int) and not isinstance(value, bool) and field.maximum:
            if not 0 <= value <= field.maximum:
                problems.append(f"{where} is out of range")
        elif isinstance(value, dict) and field.inner:
            problems.extend(shape_problems(value, field.inner, f"{where}."))
        elif isinstance(value, list) and field.items is not None:
            if len(value) > MAX_LIST:
                problems.append(f"{where} has more than {MAX_LIST} items")
                continue
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems.extend(shape_problems(item, field.items, f"{where}[{index}]."))
                else:
                    problems.append(f"{where}[{index}] is not an object")
    return problems


def _kind_names(field: Field) -> str:
    return " or ".join("null" if k is NULL else k.__name__ for k in field.kinds)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def parse_payload(payload: bytes) -> dict[str, Any]:
    """The verified body as a JSON object; BadEvent for anything else.

    The body is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE before it reaches here; nesting
    is bounded by the JSON decoder's recursion limit, caught here (Stripe's own events
    nest a few levels deep).
    """
    try:
        event = json.loads(payload, parse_constant=_reject_constant)
    except RecursionError:
        raise BadEvent("not a Stripe event: the JSON is nested too deeply") from None
    except ValueError:  # also UnicodeDecodeError and over-long integers
        raise BadEvent("not a Stripe event: the body is not JSON") from None
    if not isinstance(event, dict):
        raise BadEvent("not a Stripe event: the body is not a JSON object")
    return event


def _event_parts(event: Any) -> tuple[str, str, dict[str, Any]]:
    if not isinstance(event, dict):
        raise BadEvent("not a Stripe event: not a JSON object")
    problems = shape_problems(
        event,
        {
            "id": ID,
            "type": Field((str,), required=True, max_length=100),
            "data": Field((dict,), required=True),
        },
    )
    if problems:
        raise BadEvent("not a Stripe event: " + "; ".join(problems))
    obj = event["data"].get("object")
    if not isinstance(obj, dict):
        raise BadEvent("not a Stripe event: data.object is not an object")
    return event["id"], event["type"], obj


_SAFE_ID = re.compile(r"^[A-Za-z0-9_]{1,255}$")


def _refetched(handler: EventHandler, obj: dict[str, Any]) -> dict[str, Any] | None:
    """The event's object as Stripe has it now, when the event's own copy is unreadable.

    None when there is nothing to ask for (no usable id, no Stripe configured, Stripe
    does not know the id). Network errors propagate: the event answers 500 and Stripe
    retries it later.
    """
    object_id = obj.get("id")
    gateway = _gateway()
    if gateway is None or not isinstance(object_id, str) or not _SAFE_ID.match(object_id):
        return None
    resource = getattr(gateway.client.v1, handler.resource)
    params = {"expand": ["payment_method"]} if handler.resource == "payment_intents" else None
    try:
        return resource.retrieve(object_id, params=params).to_dict()
    except stripe.InvalidRequestError:
        return None


def process_event(event: dict[str, Any]) -> bool:
    """Apply one verified Stripe event; False if it was already processed (a replay).

    BadEvent when `event` is not a Stripe event; UnusableEvent (logged as a warning with
    the event id) when it is one we handle but neither it nor Stripe gives a readable object.
    """
    event_id, event_type, obj = _event_parts(event)
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return False
    handler = HANDLERS.get(event_type)
    if handler is not None:
        problems = shape_problems(obj, handler.shape)
        if problems:
            # Never lose an event because of its copy of the object: ask Stripe.
            fresh = _refetched(handler, obj)
            if fresh is None or shape_problems(fresh, handler.shape):
                logger.warning(
                    "stripe event ignored: unexpected shape (%s %s: %s)",
                    event_type,
                    event_id,
                    "; ".join(problems),
                    extra={"event_id": event_id, "event_type": event_type},
                )
                raise UnusableEvent(event_id, event_type, problems)
            logger.warning(
                "stripe event had an unexpected shape; used Stripe's current object (%s %s)",
                event_type,
                event_id,
                extra={"event_id": event_id, "event_type": event_type},
            )
            obj = fresh
    # Anything the handler must fetch from Stripe is fetched before the transaction,
    # so no database lock is held across a network call.
    prepared = handler.prepare(obj) if handler else None
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                event_id=event_id, type=event_type, livemode=event.get("livemode") is True
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

    shape = INTENT_SHAPE
    resource = "payment_intents"

    def __init__(self, status: State) -> None:
        self.status = status

    def prepare(self, intent: dict) -> None:
        return None

    def apply(self, intent: dict, prepared: None) -> None:
        state = intent_state(intent)
        if self.status is State.FAILED and state.status is State.PENDING:
            # An intent waiting for a new card after a decline may not carry the error;
            # trust the event type. (A later state, e.g. the success Stripe reports when
            # the event's own copy was unreadable and was read again, is kept.)
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

    shape = CHARGE_SHAPE
    resource = "charges"

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
            amount=charge.get("amount") or 0,
            currency=(charge.get("currency") or "").upper(),
        )
        payment = _payment_for_intent(state)
        if payment is None:
            logger.info(
                "stripe refund for a payment that is not ours", extra={"reference": intent_id}
            )
            return
        # A refunded charge was paid: if charge.refunded overtook payment_intent.succeeded,
        # the order becomes paid first (once), then refunded.
        paid = (
            charge.get("paid") is not False and (charge.get("status") or "succeeded") == "succeeded"
        )
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

    shape = REFUND_SHAPE
    resource = "refunds"

    def prepare(self, refund: dict) -> None:
        return None

    def apply(self, refund: dict, prepared: None) -> None:
        intent_id = refund.get("payment_intent")
        payment = Payment.objects.filter(gateway=GATEWAY, reference=intent_id).first()
        if payment is None or payment.status != "succeeded":
            return  # charge.refunded will record it once the payment is known
        services.apply_refund_result(payment=payment, result=refund_result(refund))


class EventHandler(Protocol):
    shape: Mapping[str, Field]  # the fields apply() reads, checked before it runs
    resource: str  # the StripeClient.v1 service that retrieves the object

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
