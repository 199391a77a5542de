"""Reads the catalogue pages need, each with its joins spelled out (no N+1)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from scent.catalog.models import Category, Product, ProductImage


def _with_card_data(qs: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows: category and the first image."""
    return qs.select_related("category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
    )


def featured_products(*, limit: int = 8) -> list[Product]:
    return list(_with_card_data(Product.objects.active().filter(is_featured=True))[:limit])


def active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def product_list(*, category: Category | None = None) -> QuerySet[Product]:
    qs = Product.objects.active()
    if category is not None:
        qs = qs.filter(category=category)
    return _with_card_data(qs)


def product_for_page(*, slug: str) -> Product | None:
    qs = _with_card_data(Product.objects.active()).prefetch_related("moods", "product_notes__note")
    return qs.filter(slug=slug).first()
