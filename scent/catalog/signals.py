"""A change to anything a storefront page shows makes the shared pages stale
(scent.core.page_cache). Saves and deletes are caught here; services that write with
queryset.update() or bulk_create() (stock, bulk actions, seeding) say so themselves."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from scent.catalog.models import (
    Category,
    Mood,
    Note,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
)
from scent.core.page_cache import catalogue_changed

SHOWN_ON_PAGES = (Category, Mood, Note, Product, ProductImage, ProductNote, ProductVariant)


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    for model in SHOWN_ON_PAGES:
        post_save.connect(_changed, sender=model, dispatch_uid=f"pages-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"pages-del-{model.__name__}")
    m2m_changed.connect(_changed, sender=Product.moods.through, dispatch_uid="pages-moods")
