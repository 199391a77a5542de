"""Who is asking: the client's address behind trusted proxies, and limits per address.

`client_address(request)` is the one answer to "which address did this request come
from?". django-axes (AXES_CLIENT_IP_CALLABLE) and django-ratelimit
(RATELIMIT_IP_META_KEY) both call it, so a lockout and a rate limit always agree.

TRUSTED_PROXY_COUNT says how many proxies in front of the app may be believed:

* 0 (the default outside production): only the connection's own address
  (REMOTE_ADDR) counts; any X-Forwarded-For or Fly-Client-IP a visitor sends is ignored.
* N >= 1: each trusted proxy appends the address it received the request from to
  X-Forwarded-For, so the client is the N-th entry from the right; anything to its
  left was written by the visitor and is ignored. On Fly.io (CLIENT_IP_HEADERS starts
  with Fly-Client-IP, which Fly's proxy sets itself) that header is read first.

The parsing (ports, IPv6 brackets, RFC 7239 forms, junk entries) is python-ipware's,
through django-ipware.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from django_redis.exceptions import ConnectionInterrupted
from ipware.ip import get_client_ip
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that is down raises: the database cache, django-redis, redis-py, sockets.
CACHE_ERRORS = (DatabaseError, ConnectionInterrupted, RedisError, OSError)

# All clients whose address cannot be read (e.g. a proxy on a Unix socket that sends no
# header) share this one address, so they are limited together rather than not at all.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (an address to count by, never bound to)

# Hidden inputs the shop's forms post beside their fields (where to go back to, which
# sign-up box was used); the 429 page sends them again with the form.
KEPT_HIDDEN = ("next", "source")

LIMITED_MESSAGE = (
    "We have had a lot of requests from your connection in a short time, so we have "
    "paused this for a little while to keep the shop safe. Please try again in {minutes}."
)


def client_address(request: HttpRequest) -> str:
    """The client's IP address, believing exactly TRUSTED_PROXY_COUNT proxies."""
    meta = request.META
    count = settings.TRUSTED_PROXY_COUNT
    address: str | None = None
    if count > 0:
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            # ipware counts the proxies listed after the client in the header; the
            # nearest proxy is REMOTE_ADDR, not an entry, so N proxies list N - 1.
            proxy_count=count - 1,
            request_header_order=settings.CLIENT_IP_HEADERS,
            # Not strict: a visitor's junk entries (left of the trusted ones) are skipped
            # instead of making the whole header unusable.
            strict=False,
        )
    if address is None:
        address = _plain_address(meta.get("REMOTE_ADDR", ""))
    return address


def _plain_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return UNKNOWN_ADDRESS


# --- limits per client address (django-ratelimit on RATELIMIT_USE_CACHE) ---------------


def over_limit(request: HttpRequest, *, group: str, rate: str, count: bool = True) -> bool:
    """Whether this client address has used up `rate` (e.g. "10/h") for `group`.

    With `count`, this request is counted and is refused once it goes beyond the
    rate; without, nothing is counted and the answer is whether the rate is used up
    already (for limits that count only failures). A cache that is down does not take
    the page down with it: the request is let through and a warning is logged.
    """
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, increment=count)
    except CACHE_ERRORS:  # a cache outage (Redis restarting) must not answer 500
        logger.warning("rate limit %s not checked: the cache is unavailable", group, exc_info=True)
        return False
    if usage is None:  # RATELIMIT_ENABLE is off
        return False
    if usage["limit"] == 0 and usage["time_left"] == -1:  # the cache gave no count
        logger.warning("rate limit %s not checked: the cache returned no count", group)
        return False
    if count:
        return usage["count"] > usage["limit"]
    return usage["count"] >= usage["limit"]


def count_towards_limit(request: HttpRequest, *, group: str, rate: str) -> None:
    """Count one event (e.g. a failed sign-in) for this address without refusing anything."""
    over_limit(request, group=group, rate=rate, count=True)


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def limited_response(
    request: HttpRequest,
    *,
    rate: str,
    form_class: type[forms.BaseForm] | None = None,
    title: str = "",
) -> HttpResponse:
    """The friendly 429 page; with `form_class`, the form again with what was typed.

    The form is unbound (filled from the typed values as initial data), so nothing is
    validated: a limited request learns nothing, e.g. whether an e-mail has an account.
    Password inputs never show their value again.
    """
    period = _rate_seconds(rate)
    form = None
    hidden: list[tuple[str, str]] = []
    if form_class is not None and request.method == "POST":
        typed = {key: request.POST.get(key) for key in request.POST}
        form = form_class(initial=typed)
        hidden = [
            (key, typed[key]) for key in KEPT_HIDDEN if key in typed and key not in form.fields
        ]
    response = render(
        request,
        "429.html",
        {
            "limited_message": LIMITED_MESSAGE.format(minutes=_minutes(period)),
            "form": form,
            "hidden_values": hidden,
            "action": request.path,
            "title": title,
        },
        status=429,
    )
    response["Retry-After"] = str(period)
    return response


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate_seconds(rate: str) -> int:
    """The period of a django-ratelimit rate: "10/h" -> 3600, "20/15m" -> 900."""
    period = rate.split("/", 1)[1]
    return int(period[:-1] or 1) * _UNIT_SECONDS[period[-1]]


def limit_per_address(
    group: str,
    *,
    rate_setting: str,
    form_class: type[forms.BaseForm] | None = None,
    title: str = "",
    methods: tuple[str, ...] = ("POST",),
) -> Callable:
    """View decorator: at most settings.<rate_setting> requests per client address.

    A refused request gets `limited_response` (429, Retry-After) and never reaches
    the view.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                rate = getattr(settings, rate_setting)
                if over_limit(request, group=group, rate=rate):
                    return limited_response(request, rate=rate, form_class=form_class, title=title)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
