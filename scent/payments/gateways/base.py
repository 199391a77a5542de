"""The gateway interface every payment provider implements, and the values it returns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from scent.payments.models import Payment


class GatewayError(Exception):
    """The gateway refused or could not be reached; `message` is safe to show a shopper."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class CardDeclined(GatewayError):
    """The card was declined; the shopper may try another card."""


class State(StrEnum):
    """A payment's state as the gateway reports it (mirrors PaymentStatus)."""

    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a gateway needs to start collecting an order's total (amounts from the server)."""

    order_number: str
    amount: int
    currency: str
    email: str
    attempt: int
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class PaymentStart:
    """What the pay page needs: the gateway's reference and, for Stripe, the client secret."""

    reference: str
    status: State
    client_secret: str = ""


@dataclass(frozen=True, slots=True)
class PaymentState:
    """The gateway's current word on one payment."""

    reference: str
    status: State
    amount: int
    currency: str
    order_number: str = ""
    card_brand: str = ""
    card_last4: str = ""
    failure_message: str = ""


@dataclass(frozen=True, slots=True)
class RefundResult:
    reference: str
    amount: int
    status: str  # "pending" | "succeeded" | "failed"
    idempotency_key: str = ""
    failure_message: str = ""


@runtime_checkable
class PaymentGateway(Protocol):
    """A payment provider. Amounts are integer minor units; currencies ISO 4217 upper case."""

    name: str  # stored on Payment.gateway: "test" | "stripe"
    label: str  # shown to the shopper on the pay page
    form_template: str  # the pay page's form for this gateway

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        """Create (or, for a retried request, return the same) payment at the provider."""
        ...

    def retrieve(self, reference: str) -> PaymentState:
        """Ask the provider for the payment's current state."""
        ...

    def refund(self, payment: Payment, amount: int, idempotency_key: str) -> RefundResult:
        """Refund `amount` of `payment`; the same key never refunds twice."""
        ...

    def list_refunds(self, reference: str) -> list[RefundResult]:
        """Every refund the provider holds for the payment (made here or in its dashboard)."""
        ...
