"""Writes to the catalogue: product images and bulk flags (stock: scent.catalog.inventory).

Admin actions, the seed command and (later) orders call these; none of it lives in save().
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename

from scent.catalog import images
from scent.catalog.models import Product, ProductImage
from scent.core.page_cache import catalogue_changed


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
    catalogue_changed()
    return (
        Product.objects.filter(pk__in=list(product_ids))
        .exclude(is_active=active)
        .update(is_active=active)
    )


def set_products_featured(*, product_ids: Iterable[int], featured: bool) -> int:
    """Feature products on the home page (or stop); returns how many changed."""
    catalogue_changed()
    return (
        Product.objects.filter(pk__in=list(product_ids))
        .exclude(is_featured=featured)
        .update(is_featured=featured)
    )
