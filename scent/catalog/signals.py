"""Keep what is derived from the catalogue in step with it, in the same transaction:

- the shared storefront pages become stale (scent.core.page_cache) when anything they
  show changes;
- a product's search document (scent.catalog.search) is rewritten when anything it is
  made of changes (descriptions, category, notes, moods, sizes).

Saves and deletes are caught here; services that write with queryset.update() or
bulk_create() (stock, bulk actions, seeding, "Add sizes") say so themselves.
"""

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
from scent.catalog.search import refresh_search_documents
from scent.core.page_cache import catalogue_changed

SHOWN_ON_PAGES = (Category, Mood, Note, Product, ProductImage, ProductNote, ProductVariant)


def _pages_changed(sender, **kwargs) -> None:
    catalogue_changed()


def _product_document(sender, instance: Product, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_search_documents([instance.pk])


def _owner_document(sender, instance, raw: bool = False, **kwargs) -> None:
    """A size or a note line changed: its product's document."""
    if not raw and Product.objects.filter(pk=instance.product_id).exists():
        refresh_search_documents([instance.product_id])


def _named_thing_document(sender, instance, created: bool = False, raw=False, **kwargs) -> None:
    """A category, note or mood was renamed: the documents of the products it is on."""
    if raw or created:
        return
    if isinstance(instance, Category):
        ids = Product.objects.filter(category=instance).values_list("pk", flat=True)
    elif isinstance(instance, Note):
        ids = ProductNote.objects.filter(note=instance).values_list("product_id", flat=True)
    else:
        ids = Product.moods.through.objects.filter(mood=instance).values_list(
            "product_id", flat=True
        )
    refresh_search_documents(list(ids))


def _moods_document(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        refresh_search_documents([instance.pk])
    elif pk_set:
        refresh_search_documents(pk_set)


def connect() -> None:
    for model in SHOWN_ON_PAGES:
        name = model.__name__
        post_save.connect(_pages_changed, sender=model, dispatch_uid=f"pages-save-{name}")
        post_delete.connect(_pages_changed, sender=model, dispatch_uid=f"pages-del-{name}")
    m2m_changed.connect(_pages_changed, sender=Product.moods.through, dispatch_uid="pages-moods")

    post_save.connect(_product_document, sender=Product, dispatch_uid="search-product")
    for model in (ProductVariant, ProductNote):
        name = model.__name__
        post_save.connect(_owner_document, sender=model, dispatch_uid=f"search-save-{name}")
        post_delete.connect(_owner_document, sender=model, dispatch_uid=f"search-del-{name}")
    for model in (Category, Note, Mood):
        post_save.connect(
            _named_thing_document, sender=model, dispatch_uid=f"search-{model.__name__}"
        )
    m2m_changed.connect(_moods_document, sender=Product.moods.through, dispatch_uid="search-moods")
