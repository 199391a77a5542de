"""The one owner of stock: reserve, release, adjust and set it per variant.

Orders, the cart, the admin and imports call these and never write
`ProductVariant.stock_quantity` themselves. Every change records one StockMovement
and refreshes the product's summary (cheapest in-stock price, in stock, sizes) in the
same transaction.

Locking (the only place it is decided, so deadlocks cannot appear elsewhere): the
products' rows first, in id order, then each variant by a conditional UPDATE in id
order. A product's row is the lock for all its sizes, so two buyers of different sizes
of one oil write its summary one after the other and neither overwrites the other's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from scent.core.page_cache import catalogue_changed

stock_log = logging.getLogger("scent.catalog.stock")

SHOWN_STOCK_LIMIT = 99
"""Pages never tell more of a size's stock than this (the quantity input's max; the cart
caps a line at the same number), so a sale that leaves 100 or more changes no page and
throws away no shared page. tests/catalog/test_shared_pages.py keeps it equal to the cap."""


def shown_stock(quantity: int) -> int:
    """What the pages can tell of `quantity` units: badges ("Only 3 left" up to the low
    stock threshold), the quantity max, the cart's problems."""
    limit = max(SHOWN_STOCK_LIMIT, settings.SHOP_LOW_STOCK_THRESHOLD)
    return min(max(quantity, 0), limit)


class StockError(Exception):
    """A stock change that cannot be made; the message is for a person.

    The one exception of stock: InsufficientStock (not enough units) is a kind of it.
    """


class InsufficientStock(StockError):
    """Not enough units of a size (or it is no longer sold); the message is for a person."""

    def __init__(self, name: str, available: int, wanted: int = 0) -> None:
        self.name = name
        self.available = max(available, 0)
        self.wanted = wanted
        if self.available <= 0:
            message = f"Sorry, {name} has just sold out."
        else:
            message = f"Sorry, only {self.available} of {name} left in stock."
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Reservation:
    """What reserve_stock took: the variants after the change and their movement rows."""

    variants: dict[int, ProductVariant]
    movements: list[StockMovement]

    def label_movements(self, reference: str) -> None:
        """Name what the stock was taken for once it exists (an order's number)."""
        ids = [m.pk for m in self.movements if m.pk is not None]
        StockMovement.objects.filter(pk__in=ids).update(reference=reference[:200])


def lock_products(product_ids: Iterable[int]) -> None:
    """Lock the products' rows in id order until the transaction ends."""
    ids = sorted(set(product_ids))
    if ids:
        list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def _product_ids_of(variant_ids: Iterable[int]) -> list[int]:
    return sorted(
        set(
            ProductVariant.objects.filter(pk__in=list(variant_ids)).values_list(
                "product_id", flat=True
            )
        )
    )


def reserve_stock(
    quantities: Mapping[int, int],
    *,
    reason: str = StockReason.ORDER,
    reference: str = "",
    actor=None,
    sellable_only: bool = True,
) -> Reservation:
    """Take {variant id: quantity} off the shelf or raise InsufficientStock.

    Call inside a transaction: the rows stay locked until it commits, so the last unit
    of a size is sold exactly once. `sellable_only` (orders) also refuses sizes that are
    no longer sold. Returns the variants (with product and category) after the change
    and the movements recorded.
    """
    quantities = {int(k): int(v) for k, v in quantities.items() if int(v) > 0}
    if not quantities:
        return Reservation(variants={}, movements=[])
    lock_products(_product_ids_of(quantities))
    variants = ProductVariant.objects.select_related("product__category").in_bulk(list(quantities))
    for variant_id in sorted(quantities):
        wanted = quantities[variant_id]
        variant = variants.get(variant_id)
        if variant is None:
            raise InsufficientStock("a product that is no longer sold", 0, wanted)
        if sellable_only and not variant.is_sellable:
            raise InsufficientStock(variant.display_name, 0, wanted)
        condition = {"is_active": True} if sellable_only else {}
        taken = ProductVariant.objects.filter(
            pk=variant_id, stock_quantity__gte=wanted, **condition
        ).update(stock_quantity=F("stock_quantity") - wanted)
        if not taken:
            available = (
                ProductVariant.objects.filter(pk=variant_id)
                .values_list("stock_quantity", flat=True)
                .first()
            )
            raise InsufficientStock(variant.display_name, available or 0, wanted)
    movements = _after_change(
        variants, {k: -v for k, v in quantities.items()}, reason, reference, actor
    )
    return Reservation(variants=variants, movements=movements)


def release_stock(
    quantities: Mapping[int, int],
    *,
    reason: str = StockReason.CANCEL,
    reference: str = "",
    actor=None,
) -> None:
    """Put {variant id: quantity} back on the shelf (a cancelled or expired order).

    Sizes deleted since are skipped: there is no shelf to return them to.
    """
    quantities = {int(k): int(v) for k, v in quantities.items() if int(v) > 0}
    if not quantities:
        return
    lock_products(_product_ids_of(quantities))
    for variant_id in sorted(quantities):
        ProductVariant.objects.filter(pk=variant_id).update(
            stock_quantity=F("stock_quantity") + quantities[variant_id]
        )
    variants = ProductVariant.objects.select_related("product").in_bulk(list(quantities))
    _after_change(variants, quantities, reason, reference, actor)


def adjust_stock(
    *,
    variant: ProductVariant,
    delta: int,
    reason: str = StockReason.MANUAL,
    reference: str = "",
    actor=None,
) -> int:
    """Add (delta > 0) or take (delta < 0) units of one size; returns the new quantity.

    Taking more than the shelf holds raises InsufficientStock; nothing is written.
    """
    delta = int(delta)
    with transaction.atomic():
        if delta < 0:
            reserve_stock(
                {variant.pk: -delta},
                reason=reason,
                reference=reference,
                actor=actor,
                sellable_only=False,
            )
        elif delta > 0:
            release_stock({variant.pk: delta}, reason=reason, reference=reference, actor=actor)
        variant.stock_quantity = ProductVariant.objects.values_list(
            "stock_quantity", flat=True
        ).get(pk=variant.pk)
    return variant.stock_quantity


def set_stock(
    *,
    variant: ProductVariant,
    quantity: int,
    reason: str = StockReason.MANUAL,
    reference: str = "",
    actor=None,
) -> int:
    """Set the counted quantity of one size (a stock-take); returns it."""
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise StockError("Stock must be a whole number.") from None
    if quantity < 0:
        raise StockError("Stock cannot be negative.")
    with transaction.atomic():
        lock_products([variant.product_id])
        before = (
            ProductVariant.objects.filter(pk=variant.pk)
            .values_list("stock_quantity", flat=True)
            .first()
        )
        if before is None:
            raise StockError("This size no longer exists.")
        if before != quantity:
            ProductVariant.objects.filter(pk=variant.pk).update(stock_quantity=quantity)
            variants = ProductVariant.objects.select_related("product").in_bulk([variant.pk])
            _after_change(variants, {variant.pk: quantity - before}, reason, reference, actor)
    variant.stock_quantity = quantity
    return quantity


def record_opening_stock(
    *, variant: ProductVariant, reason: str = StockReason.MANUAL, reference: str = "", actor=None
) -> None:
    """Record the stock a size was created with (it did not pass through set_stock)."""
    if variant.stock_quantity:
        variants = ProductVariant.objects.select_related("product").in_bulk([variant.pk])
        _after_change(
            variants,
            {variant.pk: variant.stock_quantity},
            reason,
            reference or "new size",
            actor,
        )
    else:
        refresh_product_summaries([variant.product_id])


def _after_change(
    variants: Mapping[int, ProductVariant],
    deltas: Mapping[int, int],
    reason: str,
    reference: str,
    actor,
) -> list[StockMovement]:
    """Record one movement per variant and refresh the products' summaries."""
    after = dict(
        ProductVariant.objects.filter(pk__in=list(deltas)).values_list("pk", "stock_quantity")
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    movements = []
    for variant_id in sorted(deltas):
        if variant_id not in after:
            continue
        variant = variants[variant_id]
        variant.stock_quantity = after[variant_id]
        movements.append(
            StockMovement(
                variant_id=variant_id,
                delta=deltas[variant_id],
                quantity_after=after[variant_id],
                reason=reason,
                reference=reference[:200],
                actor=user,
            )
        )
        stock_log.info(
            "stock %s %+d -> %d (%s%s)",
            variant.sku,
            deltas[variant_id],
            after[variant_id],
            reason,
            f" {reference}" if reference else "",
            extra={
                "sku": variant.sku,
                "delta": deltas[variant_id],
                "quantity": after[variant_id],
                "reason": reason,
                "reference": reference,
            },
        )
    StockMovement.objects.bulk_create(movements)
    # Only a change the pages can show refreshes the summaries and the shared pages: on a
    # busy shelf (100 or more left) orders then neither queue on the catalogue version
    # nor make every shopper's next page a fresh render.
    shown = {
        variants[pk].product_id
        for pk, delta in deltas.items()
        if pk in after and shown_stock(after[pk] - delta) != shown_stock(after[pk])
    }
    refresh_product_summaries(shown)
    return movements


# --- the product's summary of its variants --------------------------------------


@dataclass(frozen=True, slots=True)
class ProductSummary:
    price: int
    price_max: int
    compare_at_price: int | None
    in_stock: bool
    variant_count: int


def summarise(variants: Iterable[ProductVariant]) -> ProductSummary:
    """What lists, filters and sorts read: the cheapest in-stock active size first.

    With every size sold out, the cheapest active one gives the price shown.
    """
    active = [v for v in variants if v.is_active]
    if not active:
        return ProductSummary(0, 0, None, False, 0)
    in_stock = [v for v in active if v.stock_quantity > 0]
    shown = min(in_stock or active, key=lambda v: (v.price, v.position, v.pk or 0))
    return ProductSummary(
        price=shown.price,
        price_max=max(v.price for v in active),
        compare_at_price=shown.compare_at_price,
        in_stock=bool(in_stock),
        variant_count=len(active),
    )


SUMMARY_FIELDS = ("price", "price_max", "compare_at_price", "in_stock", "variant_count")


def refresh_product_summaries(product_ids: Iterable[int]) -> None:
    """Recompute the summary of each product from its variants (call after any change)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    by_product: dict[int, list[ProductVariant]] = {pk: [] for pk in ids}
    for variant in ProductVariant.objects.filter(product_id__in=ids).only(
        "pk", "product_id", "price", "compare_at_price", "stock_quantity", "position", "is_active"
    ):
        by_product[variant.product_id].append(variant)
    now = timezone.now()
    catalogue_changed()  # prices and stock badges on the shared pages
    for product_id, product_variants in by_product.items():
        summary = summarise(product_variants)
        Product.objects.filter(pk=product_id).update(
            updated_at=now, **{name: getattr(summary, name) for name in SUMMARY_FIELDS}
        )


def refresh_product_summary(product: Product) -> Product:
    """Refresh one product's summary and the loaded instance with it."""
    refresh_product_summaries([product.pk])
    product.refresh_from_db(fields=[*SUMMARY_FIELDS, "updated_at"])
    return product
