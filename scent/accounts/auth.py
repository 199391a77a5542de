"""Glue between sign-in and django-axes (brute-force protection)."""

from __future__ import annotations

from django.http import HttpRequest

from scent.accounts.services import normalize_email


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
