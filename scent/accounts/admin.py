"""Customers in the admin: e-mail login (no username), addresses inline."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from scent.accounts.models import Address, User
from scent.accounts.services import address_set_default, email_is_taken, normalize_email

DUPLICATE_EMAIL = "An account with this e-mail already exists."


class _EmailCleaningMixin:
    instance: User
    cleaned_data: dict

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email_is_taken(email=email, exclude_user=self.instance if self.instance.pk else None):
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate_email")
        return email


class CustomerCreationForm(_EmailCleaningMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class CustomerChangeForm(_EmailCleaningMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class AddressInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        defaults = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_default") and not form.cleaned_data.get("DELETE")
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("Only one address can be the default.")


class AddressInline(admin.StackedInline):
    model = Address
    formset = AddressInlineFormSet
    extra = 0
    fields = (
        ("label", "is_default"),
        "full_name",
        ("line1", "line2"),
        ("city", "region", "postal_code"),
        ("country", "phone"),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = CustomerChangeForm
    add_form = CustomerCreationForm
    inlines = [AddressInline]
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "marketing_opt_in",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "marketing_opt_in", "date_joined")
    search_fields = ("email", "first_name", "last_name", "phone")
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name", "phone", "marketing_opt_in")}),
        (
            "Permissions",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        # The add page only asks for e-mail and password; addresses come after.
        return self.inlines if obj is not None else []


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "line1", "city", "postal_code", "country", "is_default")
    list_filter = ("is_default", "country")
    search_fields = ("full_name", "line1", "city", "postal_code", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if obj.is_default:  # unset the customer's other default, under the same lock
            address_set_default(user=obj.user, address_id=obj.pk)
