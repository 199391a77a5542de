"""Payment writes: start a payment, apply the gateway's answer, refund.

The order becomes paid through exactly one door, `record_payment_result`, which locks
the Payment row and calls `scent.orders.services.mark_order_paid` (itself idempotent).
The browser return, the test card form and Stripe's webhook all go through it, in
whatever order they arrive.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from scent.payments.gateways import (
    GatewayError,
    PaymentGateway,
    PaymentRequest,
    PaymentState,
    RefundResult,
    State,
    get_gateway,
)
from scent.payments.models import Payment, PaymentStatus, Refund, RefundStatus

if TYPE_CHECKING:
    from scent.accounts.models import User
    from scent.orders.models import Order

logger = logging.getLogger(__name__)


class RefundError(Exception):
    """A refund was refused; the message is meant for the staff member who asked."""


def payment_idempotency_key(order_number: str, attempt: int) -> str:
    return f"scent-{order_number}-payment-{attempt}"


def refund_idempotency_key(order_number: str, request_id: str) -> str:
    return f"scent-{order_number}-refund-{request_id}"


# Attempts that can still be completed by the shopper (Stripe keeps a declined
# PaymentIntent open for another card).
_REUSABLE = (PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.FAILED)


def start_payment_for_order(*, order: Order, gateway: PaymentGateway | None = None) -> Payment:
    """Return the order's open payment with this gateway, creating it at the gateway if needed.

    Reloading the pay page or a double click reuses the attempt; a new attempt (a new
    idempotency key) is made only when the previous one was canceled or the amount
    changed. Two concurrent first requests send the same key, get the same
    PaymentIntent back from Stripe, and meet on the (gateway, reference) constraint.
    """
    gateway = gateway or get_gateway()
    latest = (
        Payment.objects.filter(order_number=order.number, gateway=gateway.name)
        .order_by("-attempt")
        .first()
    )
    if latest is not None and (
        latest.status == PaymentStatus.SUCCEEDED
        or (
            latest.status in _REUSABLE
            and latest.amount == order.total
            and latest.currency == order.currency
        )
    ):
        return latest
    attempt = latest.attempt + 1 if latest else 1
    key = payment_idempotency_key(order.number, attempt)
    start = gateway.start_payment(
        PaymentRequest(
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            email=order.email,
            attempt=attempt,
            idempotency_key=key,
        )
    )
    payment, _ = Payment.objects.get_or_create(
        gateway=gateway.name,
        reference=start.reference,
        defaults={
            "order_number": order.number,
            "attempt": attempt,
            "idempotency_key": key,
            "amount": order.total,
            "currency": order.currency,
            "status": _status_for(start.status),
            "client_secret": start.client_secret,
        },
    )
    return payment


def _status_for(state: State) -> str:
    return PaymentStatus(state.value)


def record_payment_result(*, payment: Payment, state: PaymentState) -> bool:
    """Apply the gateway's word on `payment`; True only for the call that marked the order paid.

    Never goes backwards: a failure or cancellation reported after success is ignored.
    """
    from scent.orders import services as order_services

    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == PaymentStatus.SUCCEEDED:
            _fill_card(payment, state)
            return False
        if state.status is State.SUCCEEDED:
            if state.amount != payment.amount or state.currency != payment.currency:
                # Never mark an order paid for a different sum than the one we asked for.
                logger.error(
                    "payment amount mismatch",
                    extra={"order_number": payment.order_number, "reference": payment.reference},
                )
                raise GatewayError(
                    "The payment amount does not match the order.", code="amount_mismatch"
                )
            payment.status = PaymentStatus.SUCCEEDED
            payment.succeeded_at = timezone.now()
            payment.failure_message = ""
            _fill_card(payment, state, save=False)
            payment.save()
            return order_services.mark_order_paid(
                order_number=payment.order_number,
                amount=payment.amount,
                currency=payment.currency,
                gateway=payment.gateway,
                reference=payment.reference,
            )
        if state.status is State.FAILED:
            message = state.failure_message or "The payment was declined."
            if payment.status == PaymentStatus.FAILED and payment.failure_message == message:
                return False  # the same failure reported twice (return page and webhook)
            payment.status = PaymentStatus.FAILED
            payment.failure_message = message[:500]
            _fill_card(payment, state, save=False)
            payment.save()
            order_services.record_payment_failed(
                order_number=payment.order_number, reference=payment.reference, message=message
            )
            return False
        new_status = _status_for(state.status)
        if new_status != payment.status and state.status in (State.PROCESSING, State.CANCELED):
            payment.status = new_status
            payment.save(update_fields=["status", "updated_at"])
        return False


def _fill_card(payment: Payment, state: PaymentState, *, save: bool = True) -> None:
    if state.card_last4 and not payment.card_last4:
        payment.card_brand, payment.card_last4 = state.card_brand[:32], state.card_last4[-4:]
        if save:
            payment.save(update_fields=["card_brand", "card_last4", "updated_at"])


def pay_with_test_card(
    *, payment: Payment, number: str, exp_month: int, exp_year: int, cvc: str
) -> bool:
    """Charge a test card on the offline gateway; raises GatewayError/CardDeclined on refusal.

    Returns True when the order is (now or already) paid. The card number is handed to
    the gateway and forgotten; nothing but the brand and last four digits is stored.
    """
    from scent.payments.gateways import CardDeclined
    from scent.payments.gateways.offline import OfflineTestGateway

    gateway = get_gateway(payment.gateway)
    if not isinstance(gateway, OfflineTestGateway):
        raise GatewayError("This payment is not a test-gateway payment.")
    with transaction.atomic():
        # The row lock makes a double-submitted form charge once: the second waits, then
        # sees the payment succeeded.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.SUCCEEDED:
            return True
        declined: CardDeclined | None = None
        try:
            state = gateway.charge(
                locked.reference,
                number=number,
                exp_month=exp_month,
                exp_year=exp_year,
                cvc=cvc,
                amount=locked.amount,
                currency=locked.currency,
            )
        except CardDeclined as error:
            declined = error
            state = PaymentState(
                reference=locked.reference,
                status=State.FAILED,
                amount=locked.amount,
                currency=locked.currency,
                card_brand="visa",
                card_last4="".join(ch for ch in number if ch.isdigit())[-4:],
                failure_message=error.message,
            )
        record_payment_result(payment=locked, state=state)
    if declined is not None:
        raise declined
    return True


def sync_payment(*, payment: Payment) -> PaymentState:
    """Ask the payment's gateway for its state and apply it (the Stripe return page)."""
    state = get_gateway(payment.gateway).retrieve(payment.reference)
    record_payment_result(payment=payment, state=state)
    return state


def refundable_amount(payment: Payment, *, excluding: Refund | None = None) -> int:
    """What can still be refunded: paid minus refunds done or in flight."""
    refunds = payment.refunds.exclude(status=RefundStatus.FAILED)
    if excluding is not None:
        refunds = refunds.exclude(pk=excluding.pk)
    taken = refunds.aggregate(total=Sum("amount"))["total"] or 0
    return payment.amount - taken


def refund_order(
    *,
    order: Order,
    amount: int,
    actor: User | None,
    reason: str = "",
    request_id: str | None = None,
) -> Refund:
    """Refund `amount` (minor units) of the order's payment through its gateway.

    `request_id` identifies the refund request (e.g. a token in the admin form): the same
    id never refunds twice, even across retries and double submits. The order is
    updated through `scent.orders.services.record_refund`, idempotent per gateway
    refund id, so Stripe's charge.refunded webhook for this refund changes nothing more.
    """
    if not isinstance(amount, int) or amount <= 0:
        raise RefundError("Enter a refund amount greater than zero.")
    payment = (
        Payment.objects.filter(order_number=order.number, status=PaymentStatus.SUCCEEDED)
        .order_by("-succeeded_at")
        .first()
    )
    if payment is None:
        raise RefundError(f"Order {order.number} has no successful payment to refund.")
    key = refund_idempotency_key(order.number, request_id or uuid.uuid4().hex)

    with transaction.atomic():
        # Locking the payment serialises refunds of one order, so two staff members
        # refunding at once cannot exceed what was paid.
        Payment.objects.select_for_update().get(pk=payment.pk)
        refund = Refund.objects.filter(idempotency_key=key).first()
        if refund is not None and refund.status == RefundStatus.SUCCEEDED:
            return refund
        available = refundable_amount(payment, excluding=refund)
        if amount > available:
            from scent.core.money import format_money

            raise RefundError(
                f"At most {format_money(available, payment.currency)} of order "
                f"{order.number} can still be refunded."
            )
        if refund is None:
            refund = Refund.objects.create(
                payment=payment,
                amount=amount,
                currency=payment.currency,
                idempotency_key=key,
                reason=reason[:500],
                actor=actor,
            )
        elif refund.status == RefundStatus.FAILED:
            refund.status = RefundStatus.PENDING
            refund.save(update_fields=["status", "updated_at"])

    # The network call happens outside any transaction; the key makes it safe to repeat.
    try:
        result = get_gateway(payment.gateway).refund(payment, refund.amount, key)
    except GatewayError as error:
        Refund.objects.filter(pk=refund.pk).update(
            status=RefundStatus.FAILED,
            failure_message=error.message[:500],
            updated_at=timezone.now(),
        )
        raise RefundError(f"The refund was refused: {error.message}") from error
    return apply_refund_result(payment=payment, result=result, actor=actor, refund=refund)


def apply_refund_result(
    *,
    payment: Payment,
    result: RefundResult,
    actor: User | None = None,
    refund: Refund | None = None,
) -> Refund:
    """Record a gateway refund (ours or one made in the Stripe dashboard) exactly once."""
    from scent.orders import services as order_services

    with transaction.atomic():
        Payment.objects.select_for_update().get(pk=payment.pk)
        existing = Refund.objects.filter(reference=result.reference).first()
        if existing is None and result.idempotency_key:
            existing = Refund.objects.filter(idempotency_key=result.idempotency_key).first()
        if existing is None and refund is not None:
            existing = Refund.objects.get(pk=refund.pk)
        if existing is None:
            existing = Refund.objects.create(
                payment=payment,
                amount=result.amount,
                currency=payment.currency,
                reference=result.reference,
                idempotency_key=result.idempotency_key or f"{payment.gateway}-{result.reference}",
                reason="Refunded at the payment provider",
                status=RefundStatus.PENDING,
            )
        was_succeeded = existing.status == RefundStatus.SUCCEEDED
        existing.reference = result.reference
        if not was_succeeded:
            existing.status = RefundStatus(result.status)
            existing.failure_message = result.failure_message[:500]
        existing.save()
        if existing.status == RefundStatus.SUCCEEDED and not was_succeeded:
            order_services.record_refund(
                order_number=payment.order_number,
                amount=existing.amount,
                reference=result.reference,
                actor=actor or existing.actor,
            )
    return existing


def sync_open_payments(*, older_than: timedelta, newer_than: timedelta) -> Counter:
    """Ask Stripe about open payments of unpaid orders (a missed webhook, a closed tab).

    Only payments created between `newer_than` and `older_than` ago are checked, so a
    shopper still on the pay page is left alone. Returns counts by outcome:
    "paid", "failed", "open" and "error" (Stripe could not be asked).
    """
    from scent.orders.models import Order

    now = timezone.now()
    unpaid_orders = Order.objects.filter(
        number=OuterRef("order_number"), payment_status__in=("unpaid", "failed")
    )
    payments = Payment.objects.filter(
        gateway="stripe",
        status__in=(PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.FAILED),
        created_at__lte=now - older_than,
        created_at__gte=now - newer_than,
    ).filter(Exists(unpaid_orders))
    outcomes: Counter = Counter()
    for payment in payments.order_by("created_at"):
        try:
            state = sync_payment(payment=payment)
        except GatewayError as error:
            logger.warning(
                "payment sync failed",
                extra={"reference": payment.reference, "error_code": error.code},
            )
            outcomes["error"] += 1
            continue
        outcome = {State.SUCCEEDED: "paid", State.FAILED: "failed"}.get(state.status, "open")
        outcomes[outcome] += 1
    return outcomes
