"""Cart reads: the lines with live prices and stock, and the header count."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Sum

from scent.cart.models import Cart, CartItem
from scent.catalog.models import Product, ProductImage, ProductVariant


@dataclass(frozen=True, slots=True)
class CartLine:
    variant: ProductVariant
    quantity: int

    @property
    def product(self) -> Product:
        return self.variant.product

    @property
    def unit_price(self) -> int:
        return self.variant.price

    @property
    def line_total(self) -> int:
        return self.variant.price * self.quantity

    @property
    def weight_grams(self) -> int:
        return self.variant.weight_grams * self.quantity

    @property
    def available(self) -> bool:
        return self.variant.is_sellable and self.variant.stock_quantity > 0

    @property
    def problem(self) -> str:
        """Why this line cannot be bought as it is, or ''."""
        v = self.variant
        if not v.is_sellable:
            return "No longer available: please remove it."
        if v.stock_quantity <= 0:
            return "Out of stock: please remove it."
        if self.quantity > v.stock_quantity:
            return f"Only {v.stock_quantity} in stock: please lower the quantity."
        return ""


@dataclass(frozen=True, slots=True)
class CartSummary:
    cart: Cart | None
    lines: list[CartLine]
    currency: str

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def items(self) -> list[tuple[int, int]]:
        """(variant id, quantity) pairs, what place_order takes."""
        return [(line.variant.pk, line.quantity) for line in self.lines]


def cart_summary(cart: Cart | None) -> CartSummary:
    """Lines with their sizes and products (category, images) in two queries, prices live."""
    if cart is None:
        return CartSummary(cart=None, lines=[], currency=settings.SHOP_CURRENCY)
    items = (
        CartItem.objects.filter(cart=cart)
        .select_related("variant__product__category")
        .prefetch_related(
            Prefetch(
                "variant__product__images",
                queryset=ProductImage.objects.order_by("position", "id"),
            )
        )
        .order_by("added_at", "id")
    )
    lines = [CartLine(variant=item.variant, quantity=item.quantity) for item in items]
    return CartSummary(cart=cart, lines=lines, currency=settings.SHOP_CURRENCY)


def cart_item_count(cart_id: int) -> int:
    return CartItem.objects.filter(cart_id=cart_id).aggregate(n=Sum("quantity"))["n"] or 0


def user_cart_item_count(user) -> int:
    """Units in a signed-in shopper's cart, in one query (no lookup of the cart first)."""
    return CartItem.objects.filter(cart__user=user).aggregate(n=Sum("quantity"))["n"] or 0
