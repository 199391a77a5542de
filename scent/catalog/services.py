"""Writes to the catalogue: product images, bulk flags, stock.

Admin actions, the seed command and (later) orders call these; none of it lives in save().
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils.text import get_valid_filename

from scent.catalog import images
from scent.catalog.models import Product, ProductImage

stock_log = logging.getLogger("scent.catalog.stock")


class InsufficientStock(ValidationError):
    """Raised when taking more units than are on the shelf."""


def _upload_name(image_file: object, checked: images.CheckedImage, fallback: str) -> str:
    raw = PurePosixPath(str(getattr(image_file, "name", "") or fallback)).stem
    stem = get_valid_filename(raw)[:60] or fallback
    return f"{stem}.{checked.extension}"


def _next_position(product: Product) -> int:
    last = product.images.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def _write_files(
    image: ProductImage, *, checked: images.CheckedImage, name: str, thumbnail: bytes
) -> None:
    """Store original and thumbnail through the field's storage (disk or S3)."""
    image.image.save(name, ContentFile(images.normalised_original(checked)), save=False)
    image.width, image.height = checked.width, checked.height
    image.thumbnail.save(images.thumbnail_name(name), ContentFile(thumbnail), save=False)


def add_product_image(
    *,
    product: Product,
    image_file: IO[bytes] | bytes,
    alt_text: str,
    position: int | None = None,
    filename: str | None = None,
) -> ProductImage:
    """Store a picture for a product with its square thumbnail.

    Raises ValidationError with a shopper-friendly message for files that are not
    pictures, are too large or have no alt text.
    """
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError("Describe the picture in the alt text.", code="alt_required")
    checked = images.check_image(image_file)
    thumbnail = images.make_thumbnail(checked)
    image = ProductImage(
        product=product,
        alt_text=alt_text[:200],
        position=_next_position(product) if position is None else position,
    )
    name = filename or _upload_name(image_file, checked, fallback=product.slug or "image")
    _write_files(image, checked=checked, name=name, thumbnail=thumbnail)
    try:
        image.save()
    except Exception:
        _delete_files(image)
        raise
    return image


def replace_product_image_file(
    *, image: ProductImage, image_file: IO[bytes] | bytes
) -> ProductImage:
    """Swap the picture of an existing ProductImage, regenerating the thumbnail."""
    checked = images.check_image(image_file)
    thumbnail = images.make_thumbnail(checked)
    old_names = (image.image.name, image.thumbnail.name)
    name = _upload_name(image_file, checked, fallback=image.product.slug or "image")
    _write_files(image, checked=checked, name=name, thumbnail=thumbnail)
    image.save()
    _delete_unshared_on_commit(image.image.storage, [n for n in old_names if n])
    return image


def regenerate_thumbnail(*, image: ProductImage) -> ProductImage:
    """Rebuild a missing or outdated thumbnail from the stored original."""
    with image.image.open("rb") as fh:
        checked = images.check_image(fh.read())
    old = image.thumbnail.name
    image.thumbnail.save(
        images.thumbnail_name(image.image.name), ContentFile(images.make_thumbnail(checked))
    )
    if old and old != image.thumbnail.name:
        image.thumbnail.storage.delete(old)
    return image


def _delete_files(image: ProductImage) -> None:
    for field in (image.image, image.thumbnail):
        if field.name:
            field.storage.delete(field.name)


def delete_product_image(*, image: ProductImage) -> None:
    """Delete the row, then its files once the transaction commits (unless shared)."""
    names = [n for n in (image.image.name, image.thumbnail.name) if n]
    storage = image.image.storage
    image.delete()
    _delete_unshared_on_commit(storage, names)


def _delete_unshared_on_commit(storage, names: list[str]) -> None:
    """Remove files once the rows are gone for good, unless another row still uses them."""

    def remove_unshared() -> None:
        # Benchmark products share a few files; keep a file while any row points at it.
        for name in names:
            in_use = (
                ProductImage.objects.filter(image=name).exists()
                or ProductImage.objects.filter(thumbnail=name).exists()
            )
            if not in_use:
                storage.delete(name)

    transaction.on_commit(remove_unshared)


def set_products_active(*, product_ids: Iterable[int], active: bool) -> int:
    """Show or hide products in the shop; returns how many changed."""
    return (
        Product.objects.filter(pk__in=list(product_ids))
        .exclude(is_active=active)
        .update(is_active=active)
    )


def set_products_featured(*, product_ids: Iterable[int], featured: bool) -> int:
    """Feature products on the home page (or stop); returns how many changed."""
    return (
        Product.objects.filter(pk__in=list(product_ids))
        .exclude(is_featured=featured)
        .update(is_featured=featured)
    )


def adjust_stock(*, product: Product, delta: int, reason: str = "") -> int:
    """Add (delta > 0) or take (delta < 0) units; returns the new quantity.

    One conditional UPDATE, so two buyers of the last unit cannot both succeed and
    the quantity never goes below zero. Raises InsufficientStock instead.
    """
    delta = int(delta)
    qs = Product.objects.filter(pk=product.pk)
    if delta < 0:
        qs = qs.filter(stock_quantity__gte=-delta)
    with transaction.atomic():
        changed = qs.update(stock_quantity=F("stock_quantity") + delta)
        if not changed:
            available = (
                Product.objects.filter(pk=product.pk)
                .values_list("stock_quantity", flat=True)
                .first()
            )
            if available is None:
                raise ValidationError("This product no longer exists.", code="missing")
            raise InsufficientStock(
                "Only %(available)s of %(name)s left; cannot take %(wanted)s.",
                code="insufficient_stock",
                params={"available": available, "name": product.name, "wanted": -delta},
            )
        new_quantity = Product.objects.values_list("stock_quantity", flat=True).get(pk=product.pk)
    product.stock_quantity = new_quantity
    _record_stock(product=product, delta=delta, quantity=new_quantity, reason=reason)
    return new_quantity


def set_stock(*, product: Product, quantity: int, reason: str = "") -> int:
    """Set the counted quantity on the shelf (a stock-take); returns it."""
    quantity = int(quantity)
    if quantity < 0:
        raise ValidationError("Stock cannot be negative.", code="negative_stock")
    with transaction.atomic():
        before = (
            Product.objects.select_for_update()
            .values_list("stock_quantity", flat=True)
            .get(pk=product.pk)
        )
        Product.objects.filter(pk=product.pk).update(stock_quantity=quantity)
    product.stock_quantity = quantity
    if before != quantity:
        _record_stock(product=product, delta=quantity - before, quantity=quantity, reason=reason)
    return quantity


def _record_stock(*, product: Product, delta: int, quantity: int, reason: str) -> None:
    """One log line per movement: who needs more reads the logs (JSON in production)."""
    stock_log.info(
        "stock %s %+d -> %d%s",
        product.sku,
        delta,
        quantity,
        f" ({reason})" if reason else "",
        extra={"sku": product.sku, "delta": delta, "quantity": quantity, "reason": reason},
    )
