"""Storefront pages that are the same for every visitor, rendered once and kept in memory.

A page such as the product list costs ~90% of its time in template rendering, yet for
every visitor who is not signed in it differs only in a few places: the CSRF token in
its forms, the cart count in the header and the flash messages. `shared_page` renders
such a page once with *holes* (markers) in those places, keeps it in the "pages" cache
(in each process's memory) and, for every request, fills the holes for that visitor:
their own CSRF token (a fresh mask of their secret, set in their cookie as usual), their
own cart count, their own messages. Nothing per visitor is ever stored.

Freshness: the key holds the *catalogue version*, a value in the shared cache that
`catalogue_changed()` replaces whenever something a page shows changes (a price, stock,
a size, a product, a category, a picture, a review...). It is replaced at once and again
when the transaction commits, so a page rendered from the old rows while the change was
being written is never found again. Every process reads the version on each request, so
all of them stop serving the old page together. PAGE_CACHE_SECONDS (default 600) bounds
what a missed change could cost; 0 turns the cache off.

Signed-in shoppers (wishlist hearts, their name, their orders) get a fresh render, except
on a page kept per visitor (`vary`: the cart, kept per cart and its version).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from scent.core.theme import theme_from_request

PAGES_ALIAS = "pages"
VERSION_KEY = "catalogue:version"
_MARK = "SCENTHOLE{}ENDHOLE"  # letters only: it survives HTML escaping untouched

_fillers: dict[str, Callable[[HttpRequest], str]] = {}


def hole(name: str) -> str:
    """The marker a template outputs where a per-visitor value goes."""
    return _MARK.format(name)


def register_hole(name: str, fill: Callable[[HttpRequest], str]) -> None:
    """`fill(request)` gives the text for hole `name` (apps register theirs in ready())."""
    _fillers[name] = fill


def is_shared_render(request: HttpRequest) -> bool:
    """True while a page is being rendered for everyone (context processors ask this)."""
    return getattr(request, "_shared_render", False)


def is_kept_per_visitor(request: HttpRequest) -> bool:
    """True while a page is being rendered to be kept for this visitor's own key (a
    `vary` page such as the cart): what that key already fixes needs no hole."""
    return getattr(request, "_kept_per_visitor", False)


# --- the catalogue version ----------------------------------------------------------


def catalogue_version() -> str:
    store = caches["default"]
    version = store.get(VERSION_KEY)
    if version is None:
        store.add(VERSION_KEY, str(time.time_ns()), None)
        version = store.get(VERSION_KEY) or "0"
    return version


def _new_version() -> None:
    caches["default"].set(VERSION_KEY, str(time.time_ns()), None)


def catalogue_changed() -> None:
    """Something the shared pages show has changed: stop serving the pages rendered before.

    Call it in the transaction that writes the change (signals and services do).
    """
    _new_version()
    transaction.on_commit(_new_version)


def remember(name: str, parts: str, compute: Callable[[], object]) -> object:
    """`compute()`, kept in the shared cache until the catalogue changes (a count, the
    suggestions for a word); computed every time with the shared caches off."""
    if not enabled():
        return compute()
    digest = hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()
    key = f"{name}:{catalogue_version()}:{digest}"
    value = caches["default"].get(key)
    if value is None:
        value = compute()
        caches["default"].set(key, value, settings.PAGE_CACHE_SECONDS)
    return value


# --- serving -----------------------------------------------------------------------


def enabled() -> bool:
    """Shared renders (and what else is kept per catalogue version) are switched on."""
    return settings.PAGE_CACHE_SECONDS > 0 and PAGES_ALIAS in settings.CACHES


def _key(request: HttpRequest, vary: str = "") -> str:
    where = f"{request.get_host()}{request.get_full_path()}|{vary}"
    digest = hashlib.blake2b(where.encode(), digest_size=16).hexdigest()
    return f"page:{catalogue_version()}:{theme_from_request(request)}:{digest}"


def _fill(request: HttpRequest, content: str) -> str:
    if hole("csrf_token") in content:
        content = content.replace(hole("csrf_token"), get_token(request))
    if hole("messages") in content:
        messages = get_messages(request)
        shown = render_to_string("_messages.html", {"messages": messages}) if messages else ""
        content = content.replace(hole("messages"), shown)
    for name, fill in _fillers.items():
        marker = hole(name)
        if marker in content:
            content = content.replace(marker, fill(request))
    return content


def shared_page(view=None, *, vary: Callable[[HttpRequest], str | None] | None = None):
    """Serve the view's page from a kept render, its holes filled for each visitor.

    Without `vary`, the render is shared by every visitor who is not signed in: the view
    must show them the same page for the same URL and theme (per-visitor parts go in
    holes). With `vary`, `vary(request)` names what else the page depends on for this
    visitor (a cart and its version, say), for signed-in visitors too; None renders it
    afresh. Only successful GET/HEAD answers are kept, with their headers.
    """
    if view is None:
        return lambda view: shared_page(view, vary=vary)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not enabled() or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # Without `vary`, a signed-in visitor's page is theirs alone: rendered afresh.
        anonymous = None if request.user.is_authenticated else ""
        part = anonymous if vary is None else vary(request)
        if part is None:
            return view(request, *args, **kwargs)
        store = caches[PAGES_ALIAS]
        key = _key(request, part)
        kept = store.get(key)
        if kept is None:
            request._shared_render = True
            request._kept_per_visitor = vary is not None
            try:
                response = view(request, *args, **kwargs)
            finally:
                request._shared_render = request._kept_per_visitor = False
            if response.streaming:
                return response
            body = response.content.decode(response.charset)
            if response.status_code == 200 and not response.cookies:
                headers = {k: v for k, v in response.headers.items() if k.lower() != "vary"}
                store.set(key, (body, headers), settings.PAGE_CACHE_SECONDS)
        else:
            body, headers = kept
            response = HttpResponse(headers=headers)
        response.content = _fill(request, body)
        return response

    return wrapper
