"""sitemap.xml: an index of sections (pages, categories, products) for search engines.

Product entries list the product's pictures too (Google's image sitemap extension,
`<image:image>`), through the template `catalog/sitemap.xml`.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Prefetch, QuerySet
from django.urls import reverse

from scent.catalog.models import Category, Product, ProductImage
from scent.catalog.structured_data import image_urls

TEMPLATE = "catalog/sitemap.xml"  # Django's, plus the image namespace and entries


class PagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["catalog:home", "catalog:product_list"]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "catalog:home" else 0.8


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self) -> QuerySet[Category]:
        return Category.objects.filter(is_active=True).only("slug").order_by("pk")


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 10_000  # per sitemap page; the index lists every page

    def items(self) -> QuerySet[Product]:
        pictures = ProductImage.objects.only("product_id", "image").order_by("position", "pk")
        return (
            Product.objects.active()
            .only("slug", "updated_at")
            .order_by("pk")
            .prefetch_related(Prefetch("images", queryset=pictures))
        )

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        """Each product's entry with `images`: its pictures' absolute addresses."""
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            address = urlsplit(url["location"])
            base = f"{address.scheme}://{address.netloc}"
            url["images"] = image_urls(base, url["item"].images.all())
        return urls

    def lastmod(self, item: Product) -> datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        # Django's default walks every product for the index; one aggregate does it.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PagesSitemap, "categories": CategorySitemap, "products": ProductSitemap}
