"""Glue between sign-in and django-axes (brute-force protection)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from scent.accounts.services import normalize_email
from scent.core.client import count_towards_limit, over_limit

# django-ratelimit group for failed sign-ins from one address, whatever the account.
LOGIN_FAILURES = "login-failures"


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login attempt is for: the submitted e-mail, lower-cased.

    Login forms (ours and the admin's) post the e-mail as "username"; lower-casing
    makes "Ada@Example.com" and "ada@example.com" share one failure counter.
    """
    value = (credentials or {}).get("username")
    if value is None:
        value = getattr(request, "data", request.POST).get("username")
    if not isinstance(value, str) or not value.strip():
        return None
    return normalize_email(value)


def login_address_limited(request: HttpRequest | None) -> bool:
    """Whether this address has had LOGIN_FAILURE_RATE failed sign-ins already."""
    if request is None:
        return False
    return over_limit(request, group=LOGIN_FAILURES, rate=settings.LOGIN_FAILURE_RATE, count=False)


class AddressLoginLimitBackend:
    """Refuse every sign-in from an address that has guessed wrong too often.

    Axes locks one account for one address after five failures; this stops the other
    way of guessing: a few tries at each of many accounts from one address. It comes
    first in AUTHENTICATION_BACKENDS, so a refused attempt checks no password. The
    login views answer it with the 429 page (`request.login_limited`). Like axes'
    backend it has no get_user(): sessions belong to the backend that signed them in.
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if login_address_limited(request):
            request.login_limited = True  # type: ignore[union-attr]
            raise PermissionDenied("too many failed sign-ins from this address")
        return None


def count_failed_login(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """user_login_failed receiver: one more failure for the client's address."""
    if request is None or getattr(request, "login_limited", False):
        return  # refused without a password check: not a new guess
    count_towards_limit(request, group=LOGIN_FAILURES, rate=settings.LOGIN_FAILURE_RATE)
