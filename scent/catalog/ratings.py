"""The products' review summary for the rating sort: `Product.rating_average` (hundredths
of a star, integers only) and `Product.review_count`, from the approved reviews.

Reviews belong to scent.marketing, which calls `refresh_product_rating` whenever a
review is approved, sent back to moderation, rejected or deleted; the catalogue never
imports marketing and reads the reviews through the reverse relation `Product.reviews`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Floor

from scent.catalog.models import Product
from scent.core.page_cache import catalogue_changed

# scent.marketing.models.ReviewStatus.APPROVED: only approved reviews count.
APPROVED = "approved"


def _reviews():
    """The review model, through the product's reverse relation (no import of marketing)."""
    return Product._meta.get_field("reviews").related_model


def rating_hundredths(total: int, count: int) -> int:
    """The average of `count` ratings summing to `total`, in hundredths, rounded half up."""
    return (total * 200 + count) // (count * 2) if count else 0


def refresh_product_rating(product_id: int) -> None:
    """Recount the approved reviews of one product (see `refresh_product_ratings`)."""
    refresh_product_ratings([product_id])


def refresh_product_ratings(product_ids: Iterable[int]) -> None:
    """Recount the approved reviews of these products, in the caller's transaction.

    Each product's row is locked first (in id order, as scent.catalog.inventory does),
    then one UPDATE computes the count and the average from the reviews: a statement
    that starts after the lock sees every committed review of the product (read
    committed), so two moderators approving reviews of one product at once cannot
    leave a count that misses one of them. The list's order changes: the shared pages
    are stale.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    approved = _reviews().objects.filter(product_id=OuterRef("pk"), status=APPROVED)
    per_product = approved.order_by().values("product_id")
    count = per_product.annotate(n=Count("pk")).values("n")
    # round(100 * sum / count) in integers on every database: floor((200 sum + n) / 2n).
    average = per_product.annotate(
        a=Floor(
            (Sum("rating") * Value(200) + Count("pk")) / (Count("pk") * Value(2)),
            output_field=IntegerField(),
        )
    ).values("a")
    with transaction.atomic():
        list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        Product.objects.filter(pk__in=ids).update(
            review_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
            rating_average=Coalesce(Subquery(average, output_field=IntegerField()), Value(0)),
        )
        catalogue_changed()
