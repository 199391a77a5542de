"""What staff manage for checkout: shipping methods and coupons."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ShippingMethodQuerySet(models.QuerySet["ShippingMethod"]):
    def active(self) -> ShippingMethodQuerySet:
        return self.filter(is_active=True)


class ShippingMethod(models.Model):
    name = models.CharField(max_length=80, help_text="Shown to shoppers, e.g. Standard delivery")
    code = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True, help_text="e.g. 3 to 5 working days")
    price = models.PositiveIntegerField(help_text="In minor units (cents): 495 is 4.95")
    free_over = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Free when the goods (after discount) reach this amount, in minor units; "
        "empty for never",
    )
    included_weight_grams = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Parcels up to this weight (grams) pay the price alone; each started kilogram "
        "above it adds the surcharge. Empty: weight does not matter",
    )
    surcharge_per_kg = models.PositiveIntegerField(
        default=0,
        help_text="Added per started kilogram above the included weight, in minor units "
        "(charged even when the goods reach the free-over amount)",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first")
    is_active = models.BooleanField("active", default=True)

    objects = ShippingMethodQuerySet.as_manager()

    class Meta:
        ordering = ["position", "price", "name"]

    def __str__(self) -> str:
        return self.name

    def price_for(self, goods_amount: int, weight_grams: int = 0) -> int:
        """Shipping cost for goods worth `goods_amount` (after discount) weighing `weight_grams`."""
        base = self.price
        if self.free_over is not None and goods_amount >= self.free_over:
            base = 0
        return base + self.weight_surcharge(weight_grams)

    def weight_surcharge(self, weight_grams: int) -> int:
        if self.included_weight_grams is None or weight_grams <= self.included_weight_grams:
            return 0
        started_kg = -(-(weight_grams - self.included_weight_grams) // 1000)  # ceiling
        return started_kg * self.surcharge_per_kg


class CouponKind(models.TextChoices):
    PERCENT = "percent", "Percentage off the goods"
    FIXED = "fixed", "Fixed amount off the goods"


class Coupon(models.Model):
    code = models.CharField(
        max_length=40, unique=True, help_text="What shoppers type; stored in capitals"
    )
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=CouponKind.choices)
    value = models.PositiveIntegerField(
        help_text="Percent (1 to 100) for a percentage coupon; minor units (cents) for a fixed one"
    )
    minimum_spend = models.PositiveIntegerField(
        default=0, help_text="Goods total needed before discount, in minor units"
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Total uses allowed; empty for unlimited"
    )
    # Counted under a row lock when an order is placed; released when it is cancelled.
    times_used = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="percent") | models.Q(value__gte=1, value__lte=100),
                name="coupon_percent_1_to_100",
            )
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def is_current(self, now=None) -> bool:
        now = now or timezone.now()
        if self.valid_from and now < self.valid_from:
            return False
        return not (self.valid_until and now > self.valid_until)


class CouponRedemption(models.Model):
    """One use of a coupon by one order; the per-customer rule reads these rows."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="redemptions")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="coupon_redemption"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["coupon", "email"], name="coupon_once_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.coupon} by {self.email}"
