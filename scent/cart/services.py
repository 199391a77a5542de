"""Cart writes: add, change, remove, and merging a guest cart into an account on login.

Prices are never taken from the shopper: a cart stores variant (size) ids and
quantities only; every page and the order read the price from the ProductVariant.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scent.cart.models import Cart, CartItem
from scent.catalog.models import Product, ProductVariant
from scent.core import params

MAX_QUANTITY = params.MAX_QUANTITY


class CartError(Exception):
    """The cart cannot change as asked; the message is written for the shopper."""


class SizeNeeded(CartError):
    """The product comes in several sizes and none was chosen."""

    def __init__(self, product: Product) -> None:
        self.product = product
        super().__init__(f"Please choose a size of {product.name}.")


def _int_or_none(value) -> int | None:
    """A posted id, or None when it is not one (out of range is no product, not a 500)."""
    try:
        return params.optional_id(value)
    except params.BadParameter:
        return None


def _sellable_variant(variant_id) -> ProductVariant:
    """The size, if it is sold (the one rule: ProductVariant.is_sellable), or CartError."""
    variant = (
        ProductVariant.objects.select_related("product__category")
        .filter(pk=_int_or_none(variant_id))
        .first()
    )
    if variant is None:
        raise CartError("That product does not exist.")
    if not variant.is_sellable:
        raise CartError(f"Sorry, {variant.display_name} is no longer available.")
    if variant.currency != settings.SHOP_CURRENCY:
        raise CartError(
            f"Sorry, {variant.product.name} cannot be bought in {settings.SHOP_CURRENCY}."
        )
    return variant


def choose_variant(*, variant_id=None, product_id=None) -> ProductVariant:
    """The size a form asked for: `variant_id`, or a product that has only one size.

    Raises SizeNeeded when a product with several sizes was posted without one.
    """
    if variant_id not in (None, ""):
        return _sellable_variant(variant_id)
    product = Product.objects.select_related("category").filter(pk=_int_or_none(product_id)).first()
    if product is None:
        raise CartError("That product does not exist.")
    sizes = list(product.variants.filter(is_active=True).values_list("pk", flat=True)[:2])
    if len(sizes) > 1:
        raise SizeNeeded(product)
    if not sizes:
        raise CartError(f"Sorry, {product.name} is no longer available.")
    return _sellable_variant(sizes[0])


def _clean_quantity(quantity, *, allow_zero: bool = False) -> int:
    try:
        return params.parse_quantity(quantity, low=0 if allow_zero else 1, high=MAX_QUANTITY)
    except params.BadParameter as error:
        raise CartError(error.message) from None


def _check_stock(variant: ProductVariant, quantity: int, *, already: int = 0) -> None:
    name = variant.display_name
    if variant.stock_quantity <= 0:
        raise CartError(f"Sorry, {name} is out of stock.")
    if quantity > variant.stock_quantity:
        have = f" You already have {already} in your cart." if already else ""
        raise CartError(f"Sorry, only {variant.stock_quantity} of {name} in stock.{have}")


def get_or_create_user_cart(user) -> Cart:
    cart = Cart.objects.filter(user=user).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user)
    except IntegrityError:  # created by a concurrent request
        return Cart.objects.get(user=user)


def add_to_cart(*, cart: Cart, variant_id, quantity=1) -> CartItem:
    """Add `quantity` of a size (adding to what is already there) or raise CartError."""
    quantity = _clean_quantity(quantity)
    variant = _sellable_variant(variant_id)
    with transaction.atomic():
        # One lock per cart serialises its changes (a double click, two tabs): locking
        # the line alone would leave two inserts of a new line to deadlock on MariaDB.
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        item = CartItem.objects.filter(cart=cart, variant=variant).first()
        already = item.quantity if item else 0
        _check_stock(variant, already + quantity, already=already)
        if already + quantity > MAX_QUANTITY:
            raise CartError(f"You can order at most {MAX_QUANTITY} of one product.")
        if item is None:
            item = CartItem.objects.create(cart=cart, variant=variant, quantity=quantity)
        else:
            item.quantity = already + quantity
            item.save(update_fields=["quantity"])
        cart.save(update_fields=["updated_at"])
    item.variant = variant
    return item


def set_quantity(*, cart: Cart, variant_id, quantity) -> CartItem | None:
    """Set a line's quantity; 0 removes it. Returns the item, or None when removed."""
    quantity = _clean_quantity(quantity, allow_zero=True)
    if quantity == 0:
        remove_from_cart(cart=cart, variant_id=variant_id)
        return None
    item = CartItem.objects.filter(cart=cart, variant_id=_int_or_none(variant_id)).first()
    if item is None:
        raise CartError("That product is not in your cart.")
    variant = _sellable_variant(variant_id)
    _check_stock(variant, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    item.variant = variant
    return item


def remove_from_cart(*, cart: Cart, variant_id) -> None:
    deleted, _ = CartItem.objects.filter(cart=cart, variant_id=_int_or_none(variant_id)).delete()
    if not deleted:
        raise CartError("That product is not in your cart.")
    cart.save(update_fields=["updated_at"])


def merge_carts(*, guest_cart: Cart | None, user) -> list[str]:
    """Move a guest cart into the user's cart; returns what the shopper should be told.

    Policy: quantities of the same size add up, capped at that size's stock now; sizes
    no longer sold are dropped. The guest cart is deleted afterwards.
    """
    if guest_cart is None or guest_cart.user_id is not None:
        return []
    notes: list[str] = []
    with transaction.atomic():
        guest_items = list(
            CartItem.objects.filter(cart=guest_cart).select_related("variant__product__category")
        )
        if not guest_items:
            guest_cart.delete()
            return []
        user_cart = get_or_create_user_cart(user)
        Cart.objects.select_for_update().filter(pk=user_cart.pk).first()
        existing = {item.variant_id: item for item in CartItem.objects.filter(cart=user_cart)}
        had_items = bool(existing)
        for guest_item in guest_items:
            variant = guest_item.variant
            name = variant.display_name
            if not variant.is_sellable:
                notes.append(f"{name} is no longer available and was removed.")
                continue
            mine = existing.get(variant.pk)
            wanted = guest_item.quantity + (mine.quantity if mine else 0)
            allowed = min(wanted, variant.stock_quantity, MAX_QUANTITY)
            if allowed <= 0:
                notes.append(f"{name} is out of stock and was not added.")
                continue
            if allowed < wanted:
                notes.append(f"Only {allowed} of {name} in stock: your quantity is now {allowed}.")
            if mine is None:
                CartItem.objects.create(cart=user_cart, variant=variant, quantity=allowed)
            elif mine.quantity != allowed:
                mine.quantity = allowed
                mine.save(update_fields=["quantity"])
        guest_cart.delete()
        user_cart.save(update_fields=["updated_at"])
    if had_items:
        notes.insert(0, "The items you added before signing in were combined with your saved cart.")
    return notes


def delete_stale_guest_carts(*, older_than: timedelta) -> int:
    """Delete guest carts untouched for `older_than` (their sessions are long gone)."""
    cutoff = timezone.now() - older_than
    _, per_model = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).delete()
    return per_model.get(Cart._meta.label, 0)
