"""A cart belongs to a signed-in customer or to one browser session (by id in the session)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scent.catalog.models import ProductVariant


class Cart(models.Model):
    # Null for a guest cart: the guest's session holds the cart id.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Cart {self.pk} ({self.user or 'guest'})"


class CartItem(models.Model):
    """A size of a product and a quantity; the price is always read from the variant."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_variant_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="cart_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"
