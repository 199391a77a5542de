"""What the shop knows about each payment attempt, refund and Stripe event."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scent.core.money import format_money


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the shopper"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Payment(models.Model):
    """One attempt to collect an order's total through one gateway.

    For Stripe this is one PaymentIntent (`reference` is its id); the shopper may
    retry a declined card on the same attempt. Card data is never stored: only the
    brand and the last four digits the gateway reports.
    """

    order_number = models.CharField(max_length=32, db_index=True)
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=255)
    attempt = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=255)
    amount = models.PositiveBigIntegerField(help_text="Minor units (cents).")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    client_secret = models.CharField(max_length=255, blank=True, editable=False)
    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "reference"], name="payments_payment_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["gateway", "idempotency_key"], name="payments_payment_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.order_number} · {self.gateway} {self.reference} · {self.get_status_display()}"
        )

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(models.Model):
    """Money returned on a payment, from the admin or the Stripe dashboard.

    `idempotency_key` is derived from the order and the refund request, so a retried
    request never refunds twice; `reference` is the gateway's refund id.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(help_text="Minor units (cents).")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reference = models.CharField(max_length=255, null=True, blank=True, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    reason = models.CharField(max_length=500, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.display_amount} refund on {self.payment.order_number} · {self.status}"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)


class WebhookEvent(models.Model):
    """A Stripe event id we have processed; recorded in the same transaction as its effects."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
