"""The offline `test` gateway: the embedded default, no network and no real money.

It accepts exactly two card numbers, the ones Stripe documents for testing:
4242 4242 4242 4242 succeeds and 4000 0000 0000 0002 is declined. The card number
lives only in memory for the length of `charge()`; only the brand and last four
digits leave it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.utils import timezone

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

SUCCESS_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
DECLINED_MESSAGE = "Your card was declined. Try another card."
UNSUPPORTED_MESSAGE = (
    "This shop takes test payments only: use 4242 4242 4242 4242 for a successful "
    "payment or 4000 0000 0000 0002 to see a declined card. Real cards are never charged."
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


class OfflineTestGateway:
    name = "test"
    label = "Test payments — no real money"
    form_template = "payments/_test_gateway_form.html"

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        # Derived from the idempotency key: a retried start returns the same reference.
        return PaymentStart(
            reference=f"test_pay_{_digest(request.idempotency_key)}", status=State.PENDING
        )

    def charge(
        self,
        reference: str,
        *,
        number: str,
        exp_month: int,
        exp_year: int,
        cvc: str,
        amount: int,
        currency: str,
    ) -> PaymentState:
        """Charge a test card; raise CardDeclined or GatewayError with the shopper's message."""
        digits = "".join(ch for ch in number if ch.isdigit())
        today = timezone.localdate()
        if (exp_year, exp_month) < (today.year, today.month):
            raise GatewayError("Your card has expired.", code="expired_card")
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            raise GatewayError("Your card's security code is invalid.", code="invalid_cvc")
        if digits == DECLINED_CARD:
            raise CardDeclined(DECLINED_MESSAGE, code="card_declined")
        if digits != SUCCESS_CARD:
            raise GatewayError(UNSUPPORTED_MESSAGE, code="unsupported_card")
        return PaymentState(
            reference=reference,
            status=State.SUCCEEDED,
            amount=amount,
            currency=currency,
            card_brand="visa",
            card_last4=digits[-4:],
        )

    def retrieve(self, reference: str) -> PaymentState:
        # The offline "processor" keeps its records in the shop's own database.
        from scent.payments.models import Payment

        try:
            payment = Payment.objects.get(gateway=self.name, reference=reference)
        except Payment.DoesNotExist:
            raise GatewayError(f"No test payment {reference}.", code="resource_missing") from None
        return PaymentState(
            reference=reference,
            status=State(payment.status),
            amount=payment.amount,
            currency=payment.currency,
            order_number=payment.order_number,
            card_brand=payment.card_brand,
            card_last4=payment.card_last4,
            failure_message=payment.failure_message,
        )

    def refund(self, payment: Payment, amount: int, idempotency_key: str) -> RefundResult:
        if payment.status != State.SUCCEEDED:
            raise GatewayError("Only a successful payment can be refunded.", code="charge_not_paid")
        return RefundResult(
            reference=f"test_re_{_digest(idempotency_key)}",
            amount=amount,
            status="succeeded",
            idempotency_key=idempotency_key,
        )

    def list_refunds(self, reference: str) -> list[RefundResult]:
        from scent.payments.models import Refund

        return [
            RefundResult(r.reference or "", r.amount, r.status, r.idempotency_key)
            for r in Refund.objects.filter(payment__gateway=self.name, payment__reference=reference)
        ]
