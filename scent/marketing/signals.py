"""Reviews are on the shared storefront pages (ratings, testimonials): an edit made in
the admin makes those pages stale (scent.core.page_cache), and a review saved or deleted
(by the admin, or with its product or its author) recounts its product's rating for
the rating sort (scent.catalog.ratings)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from scent.catalog.ratings import refresh_product_rating
from scent.core.page_cache import catalogue_changed
from scent.marketing.models import Review, ReviewStatus


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def _rating(sender, instance: Review, raw: bool = False, created: bool = False, **kwargs) -> None:
    # A new review waiting for moderation counts for nothing yet; leaving it out also
    # keeps its INSERT (which holds a shared lock on the product for the foreign key)
    # from waiting on the product's row while another buyer's INSERT waits on it.
    if raw or (created and instance.status != ReviewStatus.APPROVED):
        return
    refresh_product_rating(instance.product_id)


def connect() -> None:
    post_save.connect(_changed, sender=Review, dispatch_uid="pages-save-review")
    post_delete.connect(_changed, sender=Review, dispatch_uid="pages-del-review")
    post_save.connect(_rating, sender=Review, dispatch_uid="rating-save-review")
    post_delete.connect(_rating, sender=Review, dispatch_uid="rating-del-review")
