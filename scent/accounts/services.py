"""Writes for customer accounts: registration, profile, address book.

Every function is keyword-only and takes the acting user, so a view can never
touch another customer's data by passing the wrong id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from scent.accounts.models import Address, User
from scent.core.emails import queue_email

ADDRESS_FIELDS = (
    "label",
    "full_name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "marketing_opt_in")


def normalize_email(email: str) -> str:
    """Return the stored form of an e-mail address: trimmed and lower-cased."""
    return email.strip().lower()


def email_is_taken(*, email: str, exclude_user: User | None = None) -> bool:
    """Whether another account already uses `email` (case-insensitively)."""
    qs = User.objects.filter(email__iexact=normalize_email(email))
    if exclude_user is not None:
        qs = qs.exclude(pk=exclude_user.pk)
    return qs.exists()


def _duplicate_email() -> ValidationError:
    return ValidationError(
        {"email": "An account with this e-mail already exists."}, code="duplicate_email"
    )


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    marketing_opt_in: bool = False,
) -> User:
    """Create a customer account; the password must already be validated."""
    email = normalize_email(email)
    if email_is_taken(email=email):
        raise _duplicate_email()
    try:
        return User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            marketing_opt_in=marketing_opt_in,
        )
    except IntegrityError:  # the same e-mail signed up a moment ago, in another request
        raise _duplicate_email() from None


@transaction.atomic
def duplicate_signup_notify(*, email: str) -> bool:
    """Tell an account's owner that someone tried to register with their e-mail.

    The sign-up page keeps saying the e-mail has an account; this lets the real owner
    know (sign in, or reset the password) without the page saying anything more. At
    most one notice per DUPLICATE_SIGNUP_NOTICE_HOURS per account: the conditional
    UPDATE claims the notice, so two simultaneous attempts queue one e-mail, and the
    e-mail is queued in the same transaction. Returns whether a notice was queued.
    """
    email = normalize_email(email)
    now = timezone.now()
    cutoff = now - timedelta(hours=settings.DUPLICATE_SIGNUP_NOTICE_HOURS)
    claimed = (
        User.objects.filter(email=email, is_active=True)
        .filter(
            Q(signup_attempt_noticed_at__isnull=True) | Q(signup_attempt_noticed_at__lte=cutoff)
        )
        .update(signup_attempt_noticed_at=now)
    )
    if not claimed:
        return False
    user = User.objects.get(email=email)
    base = settings.APP_URL  # never the request's Host header (it can be forged)
    queue_email(
        to=[user.email],
        template="signup_attempt",
        context={
            "first_name": user.first_name,
            "email": user.email,
            "login_url": base + reverse("accounts:login"),
            "reset_url": base + reverse("accounts:password_reset"),
        },
    )
    return True


@transaction.atomic
def user_update_profile(*, user: User, data: dict[str, Any]) -> User:
    """Update name, e-mail, phone and marketing consent from cleaned form data."""
    changes = {k: v for k, v in data.items() if k in PROFILE_FIELDS}
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
        if email_is_taken(email=changes["email"], exclude_user=user):
            raise _duplicate_email()
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        user.save(update_fields=list(changes))
    except IntegrityError:
        raise _duplicate_email() from None
    return user


def _lock_address_book(user: User) -> None:
    # One row lock per customer serialises every change to their address book, so two
    # concurrent "make default" requests cannot leave two defaults (a partial unique
    # index would do this on PostgreSQL but does not exist on MariaDB).
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()


def _make_only_default(user: User, address: Address) -> None:
    Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


@transaction.atomic
def address_create(*, user: User, data: dict[str, Any], make_default: bool = False) -> Address:
    """Add an address; the first address of a customer becomes the default."""
    _lock_address_book(user)
    address = Address(user=user, **{k: v for k, v in data.items() if k in ADDRESS_FIELDS})
    address.full_clean()
    first = not Address.objects.filter(user=user).exists()
    address.save()
    if make_default or first:
        _make_only_default(user, address)
    return address


@transaction.atomic
def address_update(
    *, user: User, address_id: int, data: dict[str, Any], make_default: bool = False
) -> Address:
    """Edit one of the customer's addresses (Address.DoesNotExist for anyone else's)."""
    _lock_address_book(user)
    address = Address.objects.select_for_update().get(pk=address_id, user=user)
    for field, value in data.items():
        if field in ADDRESS_FIELDS:
            setattr(address, field, value)
    address.full_clean()
    address.save()
    if make_default:
        _make_only_default(user, address)
    return address


@transaction.atomic
def address_set_default(*, user: User, address_id: int) -> Address:
    """Make one address the customer's only default."""
    _lock_address_book(user)
    address = Address.objects.select_for_update().get(pk=address_id, user=user)
    _make_only_default(user, address)
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    """Delete an address; if it was the default, the most recently used one takes over."""
    _lock_address_book(user)
    address = Address.objects.select_for_update().get(pk=address_id, user=user)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-updated_at", "-pk").first()
        if successor is not None:
            _make_only_default(user, successor)
