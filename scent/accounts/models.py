"""Customers sign in with their e-mail address; addresses live in their address book."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from scent.accounts.countries import COUNTRIES, country_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    # Stored lower-cased by the manager and the forms, so `unique` is case-insensitive
    # on every backend (MariaDB cannot index expressions such as Lower()).
    email = models.EmailField("e-mail address", unique=True)
    phone = models.CharField(max_length=32, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    # When the owner was last told "someone tried to open an account with your e-mail"
    # (accounts.services.duplicate_signup_notify): at most one such notice a day.
    signup_attempt_noticed_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Address(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(max_length=40, blank=True, help_text="e.g. Home, Work")
    full_name = models.CharField(max_length=120)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / county", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(
        max_length=2, choices=COUNTRIES, help_text="ISO 3166 country code, e.g. US, GB"
    )
    phone = models.CharField(max_length=32, blank=True)
    # At most one default per user: kept by accounts.services.set_default_address
    # (a partial unique index would not exist on MariaDB).
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city}"

    def as_lines(self) -> list[str]:
        parts = [self.full_name, self.line1, self.line2]
        parts.append(" ".join(p for p in (self.city, self.region, self.postal_code) if p))
        parts.append(country_name(self.country))
        return [p for p in parts if p]
