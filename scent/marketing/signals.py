"""Reviews are on the shared storefront pages (ratings, testimonials): an edit made in
the admin makes those pages stale (scent.core.page_cache)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from scent.core.page_cache import catalogue_changed
from scent.marketing.models import Review


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    post_save.connect(_changed, sender=Review, dispatch_uid="pages-save-review")
    post_delete.connect(_changed, sender=Review, dispatch_uid="pages-del-review")
