"""Forms for sign-up, sign-in, password reset, profile and address book.

Forms validate input only; the writes happen in `scent.accounts.services`.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache
from django.urls import reverse

from scent.accounts.countries import COUNTRIES
from scent.accounts.models import Address, User
from scent.accounts.services import ADDRESS_FIELDS, email_is_taken, normalize_email
from scent.core.emails import queue_email
from scent.core.widgets import StaticSelect

DUPLICATE_EMAIL = "An account with this e-mail already exists."
RESET_THROTTLE_SECONDS = 60
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{6,32}$")


def _email_field(**kwargs: Any) -> forms.EmailField:
    return forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


def _clean_phone(value: str) -> str:
    value = value.strip()
    if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
        raise forms.ValidationError(
            "Enter a phone number with digits only, spaces or dashes, e.g. +44 20 7946 0958."
        )
    return value


class RegistrationForm(forms.Form):
    email = _email_field()
    first_name = forms.CharField(
        label="First name (optional)",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name (optional)",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    marketing_opt_in = forms.BooleanField(
        label="E-mail me new blends and offers (you can stop any time)", required=False
    )

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email_is_taken(email=email):
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords don't match.")
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, with the e-mail address matched case-insensitively."""

    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password don't match an account. Check them and try again.",
        "inactive": "This account is disabled. Please contact us.",
    }

    def clean_username(self) -> str:
        # Lower-cased before authenticate(), so django-axes counts failures for
        # "Ada@Example.com" and "ada@example.com" as the same account.
        return normalize_email(self.cleaned_data["username"])


class QueuedPasswordResetForm(PasswordResetForm):
    """Send the reset link through the mail queue instead of during the request."""

    email = _email_field()

    def get_users(self, email: str):  # type: ignore[no-untyped-def]
        # One e-mail per address per minute (Laravel's password reset throttle): a
        # repeated click or a script cannot flood a customer's inbox. The page looks
        # the same either way.
        if not cache.add(f"password-reset:{normalize_email(email)}", 1, RESET_THROTTLE_SECONDS):
            return iter(())
        return super().get_users(email)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        # APP_URL, not the request's Host header: a forged Host must not be able to
        # send customers a reset link pointing at someone else's server.
        base = settings.APP_URL or f"{context['protocol']}://{context['domain']}"
        queue_email(
            to=[to_email],
            template="password_reset",
            context={
                "reset_url": f"{base}{path}",
                "first_name": context["user"].first_name,
                "email": to_email,
                "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )


class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = _email_field()
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    marketing_opt_in = forms.BooleanField(label="E-mail me new blends and offers", required=False)
    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only when you change your e-mail address.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "phone": user.phone,
                "marketing_opt_in": user.marketing_opt_in,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email_is_taken(email=email, exclude_user=self.user):
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
        return email

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email != self.user.email:
            password = cleaned.get("current_password") or ""
            if not password:
                self.add_error(
                    "current_password", "Enter your current password to change your e-mail."
                )
            elif not self.user.check_password(password):
                self.add_error("current_password", "That password is not right.")
        return cleaned

    def profile_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "current_password"}


class AddressForm(forms.ModelForm):
    country = forms.ChoiceField(
        label="Country",
        choices=[("", "Choose a country…"), *COUNTRIES],
        widget=StaticSelect(attrs={"autocomplete": "country"}),
    )
    make_default = forms.BooleanField(label="Use as my default address", required=False)

    class Meta:
        model = Address
        fields = ADDRESS_FIELDS
        labels = {
            "label": "Label (optional)",
            "line1": "Address line 1",
            "line2": "Address line 2 (optional)",
            "region": "State / county (optional)",
            "postal_code": "Postcode / ZIP",
            "phone": "Phone (optional)",
        }
        help_texts = {"label": "e.g. Home, Work", "country": ""}
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_default:
            self.fields["make_default"].initial = True
            self.fields["make_default"].disabled = True
            self.fields["make_default"].help_text = "This is your default address."

    def clean_postal_code(self) -> str:
        return " ".join(self.cleaned_data["postal_code"].split()).upper()

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def address_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "make_default"}
