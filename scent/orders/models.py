"""Orders: what was bought, at which price, where it goes, and every change since."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from scent.accounts.countries import country_name
from scent.core.money import Money


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    FAILED = "failed", "Payment failed"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


# The order's life: every status change goes through services.transition(), which
# refuses anything not listed here. Refunds move the payment status; a full refund
# also ends the order (REFUNDED) unless it was already cancelled.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset(
        {OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.PROCESSING: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


class Order(models.Model):
    number = models.CharField(max_length=16, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField("contact e-mail")
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID, db_index=True
    )
    currency = models.CharField(max_length=3)
    # Totals in minor units, computed once by scent.checkout.pricing.compute_totals.
    subtotal = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0)
    shipping = models.PositiveIntegerField(default=0)
    tax = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    prices_include_tax = models.BooleanField()
    tax_rate_bps = models.PositiveIntegerField(help_text="Tax rate in basis points: 2000 is 20%")
    amount_paid = models.PositiveIntegerField(default=0)
    amount_refunded = models.PositiveIntegerField(default=0)

    shipping_method = models.ForeignKey(
        "checkout.ShippingMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shipping_method_name = models.CharField(max_length=80)
    coupon = models.ForeignKey(
        "checkout.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    coupon_code = models.CharField(max_length=40, blank=True)

    # The address as it was at checkout (the address book may change later).
    ship_full_name = models.CharField("full name", max_length=120)
    ship_line1 = models.CharField("address line 1", max_length=200)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100)
    ship_region = models.CharField("state / county", max_length=100, blank=True)
    ship_postal_code = models.CharField("postal code", max_length=20)
    ship_country = models.CharField("country", max_length=2)
    ship_phone = models.CharField("phone", max_length=32, blank=True)

    gateway = models.CharField(max_length=20, blank=True)
    payment_reference = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Set when the scheduler released an unpaid order; a late payment may reinstate it.
    expired = models.BooleanField(default=False)
    # The checkout session that placed it: a second submit of that checkout finds this order.
    checkout_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # True while the order holds stock; cleared when cancelling/expiring gives it back.
    holds_stock = models.BooleanField(default=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created_idx"),
            models.Index(fields=["user", "created_at"], name="order_user_created_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:account_detail", kwargs={"number": self.number})

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.payment_status in (
            PaymentStatus.PAID,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        )

    @property
    def is_payable(self) -> bool:
        return self.status == OrderStatus.PENDING and not self.is_paid

    @property
    def refundable_amount(self) -> int:
        return self.amount_paid - self.amount_refunded

    def shipping_address_lines(self) -> list[str]:
        parts = [self.ship_full_name, self.ship_line1, self.ship_line2]
        parts.append(
            " ".join(p for p in (self.ship_city, self.ship_region, self.ship_postal_code) if p)
        )
        parts.append(country_name(self.ship_country))
        return [p for p in parts if p]


class OrderLine(models.Model):
    """A size of a product as sold: name, size, SKU and price copied at purchase time."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Stock goes back to this size on cancel or expiry; null once the size is deleted.
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_name = models.CharField(max_length=140)
    variant_label = models.CharField("size", max_length=40, blank=True)
    sku = models.CharField("SKU", max_length=40)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    line_total = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.display_name}"

    @property
    def display_name(self) -> str:
        return (
            f"{self.product_name} ({self.variant_label})"
            if self.variant_label
            else self.product_name
        )


class OrderEventKind(models.TextChoices):
    PLACED = "placed", "Order placed"
    PAID = "paid", "Payment received"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    STATUS = "status", "Status changed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired unpaid"
    REFUNDED = "refunded", "Refunded"
    EMAIL = "email", "E-mail queued"
    NOTE = "note", "Note"


class OrderEvent(models.Model):
    """One line of an order's history: what happened, when, and who did it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=OrderEventKind.choices)
    message = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.message}"


class OrderTransactionKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class OrderTransaction(models.Model):
    """Money that moved for an order, once per gateway reference (makes replays harmless)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=8, choices=OrderTransactionKind.choices)
    gateway = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=255)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "reference"], name="order_transaction_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} ({self.amount})"
