"""Work the scheduler runs for carts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from scent.cart.services import delete_stale_guest_carts


def prune_guest_carts() -> int:
    """Guest carts outlive their sessions by nothing: delete them after the session age."""
    return delete_stale_guest_carts(older_than=timedelta(seconds=settings.SESSION_COOKIE_AGE))
