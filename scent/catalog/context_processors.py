"""Layout data from the catalogue: the header's categories and the page's canonical URL."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from scent.catalog import selectors


def catalog_nav(request: HttpRequest) -> dict:
    """`nav_categories` (queried only if a template uses it), `canonical_url` and `site_url`.

    Catalogue views that already hold the category list pass it as `nav_categories`
    themselves; the view's value wins, so those pages query categories once.
    The canonical URL is built on APP_URL, the shop's public address, so it is the
    same whichever host name or proxy a request came through.
    """
    base = settings.APP_URL or request.build_absolute_uri("/").rstrip("/")
    return {
        "nav_categories": SimpleLazyObject(selectors.active_categories),
        "canonical_url": f"{base}{request.path}",
        "site_url": base,  # for absolute addresses in shared links (og:image)
    }
