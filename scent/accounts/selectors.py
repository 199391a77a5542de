"""Reads for customer account pages; every query is scoped to the signed-in user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from scent.accounts.models import Address, User


def address_list(*, user: User) -> QuerySet[Address]:
    """The customer's address book, default first, then most recently changed."""
    return Address.objects.filter(user=user).order_by("-is_default", "-updated_at", "-pk")


def address_get_or_404(*, user: User, address_id: int) -> Address:
    """One of the customer's own addresses; another customer's id is a 404, not a 403."""
    return get_object_or_404(Address, pk=address_id, user=user)


def default_address(*, user: User) -> Address | None:
    """The customer's default address, if they have one (checkout pre-fills it)."""
    return Address.objects.filter(user=user, is_default=True).first()
