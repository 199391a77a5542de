"""schema.org JSON-LD for rich results: Product, BreadcrumbList, Organization, WebSite.

Plain dicts built from what a view already loaded (the product's sizes, images and
review summary), so a page's structured data costs no query and always says what the
page itself shows: the same prices, the same stock, the same rating. `script_tag`
serialises them for a `<script type="application/ld+json">` element with `<`, `>` and
`&` escaped, so no text from the catalogue (a name holding `</script>`) can close it.
Everything here is product data, the same for every visitor, so a page kept in the
shared page cache may carry it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from scent.catalog.models import Category, Product, ProductImage
from scent.core.money import format_major

SCHEMA = "https://schema.org"
IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"

# The characters that could end the script element or start markup inside it, as JSON
# escapes (the same as django.utils.html.json_script's).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_base(request: HttpRequest) -> str:
    """The shop's public address without a trailing slash (APP_URL, as canonical URLs use)."""
    return settings.APP_URL or request.build_absolute_uri("/").rstrip("/")


def absolute(base: str, url: str) -> str:
    """`url` on the shop's address, unless it already is absolute (a picture on S3)."""
    if urlsplit(url).scheme:
        return url
    return f"{base}{url}" if url.startswith("/") else f"{base}/{url}"


def script_tag(*items: dict) -> SafeString:
    """One `<script type="application/ld+json">` element per item, safe to put in HTML."""
    tags = []
    for item in items:
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        tags.append(
            f'<script type="application/ld+json">{text.translate(_SCRIPT_ESCAPES)}</script>'
        )
    return mark_safe("\n".join(tags))  # noqa: S308 - every <, > and & is escaped above


def _plain(text: str) -> str:
    return " ".join(strip_tags(text or "").split())


def image_urls(base: str, images: Iterable[ProductImage]) -> list[str]:
    return [absolute(base, image.image.url) for image in images if image.image]


def product(item: Product, *, sizes: Sequence, images: Sequence[ProductImage], base: str) -> dict:
    """The Product a product page shows: one Offer per active size, the rating if any.

    `sizes` are the page's sizes (scent.catalog.selectors.product_sizes: variants or
    SizeChoice); prices are the variants' integer minor units written as decimal text.
    """
    url = absolute(base, item.get_absolute_url())
    data: dict = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": item.name,
        "description": _plain(item.description) or item.short_description,
        "url": url,
        "brand": {"@type": "Brand", "name": settings.APP_NAME},
    }
    pictures = image_urls(base, images)
    if pictures:
        data["image"] = pictures
    if sizes:
        data["sku"] = sizes[0].sku
    if item.category_id and getattr(item, "category", None) is not None:
        data["category"] = item.category.name
    offers = []
    for size in sizes:
        offer = {
            "@type": "Offer",
            "sku": size.sku,
            "price": format_major(size.price, item.currency),
            "priceCurrency": item.currency,
            "availability": IN_STOCK if size.stock_quantity > 0 else OUT_OF_STOCK,
            "url": f"{url}?size={quote(size.sku, safe='')}",
            "itemCondition": "https://schema.org/NewCondition",
        }
        if size.label:
            offer["name"] = size.label
        offers.append(offer)
    if offers:
        data["offers"] = offers
    # rating_average and review_count count approved reviews only (scent.catalog.ratings).
    if item.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": rating_text(item.rating_average),
            "reviewCount": item.review_count,
            "bestRating": "5",
            "worstRating": "1",
        }
    return data


def rating_text(hundredths: int) -> str:
    """An average in hundredths of a star as decimal text: 437 -> "4.37"."""
    whole, part = divmod(hundredths, 100)
    return f"{whole}.{part:02d}"


def breadcrumbs(trail: Sequence[tuple[str, str]], *, base: str) -> dict:
    """A BreadcrumbList of (name, path) pairs, the last one the page itself."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(base, path)}
            for n, (name, path) in enumerate(trail, start=1)
        ],
    }


def product_breadcrumbs(item: Product, *, base: str) -> dict:
    return breadcrumbs(
        [
            ("Home", reverse("catalog:home")),
            (item.category.name, item.category.get_absolute_url()),
            (item.name, item.get_absolute_url()),
        ],
        base=base,
    )


def list_breadcrumbs(category: Category | None, *, base: str) -> dict:
    trail = [("Home", reverse("catalog:home")), ("Shop", reverse("catalog:product_list"))]
    if category is not None:
        trail.append((category.name, category.get_absolute_url()))
    return breadcrumbs(trail, base=base)


def organization(*, base: str, logo: str) -> dict:
    return {
        "@context": SCHEMA,
        "@type": "Organization",
        "name": settings.APP_NAME,
        "url": f"{base}/",
        "logo": absolute(base, logo),
    }


def website(*, base: str) -> dict:
    """The WebSite with a SearchAction on the product list's search (`?q=`)."""
    search = absolute(base, reverse("catalog:product_list"))
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": settings.APP_NAME,
        "url": f"{base}/",
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
