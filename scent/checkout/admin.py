"""Staff screens for shipping methods and coupons; amounts typed as 12.50."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin

from scent.catalog.admin import MinorUnitsField
from scent.checkout.models import Coupon, CouponKind, CouponRedemption, ShippingMethod
from scent.core.money import format_money


class ShippingMethodForm(forms.ModelForm):
    price = MinorUnitsField(label="Price")
    free_over = MinorUnitsField(
        label="Free from",
        required=False,
        help_text="Free when the goods (after discount) reach this amount; empty for never.",
    )
    surcharge_per_kg = MinorUnitsField(
        label="Surcharge per kg",
        required=False,
        help_text="Added for each started kilogram above the included weight, e.g. 1.50.",
    )

    class Meta:
        model = ShippingMethod
        fields = [
            "name",
            "code",
            "description",
            "price",
            "free_over",
            "included_weight_grams",
            "surcharge_per_kg",
            "position",
            "is_active",
        ]

    def clean_surcharge_per_kg(self) -> int:
        return self.cleaned_data.get("surcharge_per_kg") or 0


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    form = ShippingMethodForm
    list_display = ["name", "code", "price_display", "free_over_display", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"code": ["name"]}

    @admin.display(description="Price", ordering="price")
    def price_display(self, obj: ShippingMethod) -> str:
        return format_money(obj.price, settings.SHOP_CURRENCY)

    @admin.display(description="Free from", ordering="free_over")
    def free_over_display(self, obj: ShippingMethod) -> str:
        return format_money(obj.free_over, settings.SHOP_CURRENCY) if obj.free_over else "—"


class CouponForm(forms.ModelForm):
    minimum_spend = MinorUnitsField(label="Minimum spend", required=False)
    value = forms.CharField(
        label="Value",
        help_text="A percentage coupon: the percent, e.g. 15. A fixed coupon: the amount off, e.g. 5.00.",
    )

    class Meta:
        model = Coupon
        fields = [
            "code",
            "description",
            "kind",
            "value",
            "minimum_spend",
            "valid_from",
            "valid_until",
            "usage_limit",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.kind == CouponKind.FIXED:
            self.initial["value"] = MinorUnitsField().prepare_value(instance.value)

    def clean_minimum_spend(self) -> int:
        return self.cleaned_data.get("minimum_spend") or 0

    def clean(self):
        data = super().clean()
        kind, raw = data.get("kind"), (data.get("value") or "").strip()
        if kind == CouponKind.PERCENT:
            if not raw.isdigit() or not 1 <= int(raw) <= 100:
                self.add_error("value", "Enter a whole percentage from 1 to 100.")
            else:
                data["value"] = int(raw)
        elif kind == CouponKind.FIXED:
            try:
                data["value"] = MinorUnitsField(required=True).clean(raw)
            except forms.ValidationError as exc:
                self.add_error("value", exc)
            else:
                if data["value"] <= 0:
                    self.add_error("value", "Enter an amount above zero.")
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", "The end must be after the start.")
        return data


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponForm
    list_display = [
        "code",
        "kind",
        "value_display",
        "minimum_spend_display",
        "valid_from",
        "valid_until",
        "uses",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "description"]
    readonly_fields = ["times_used"]

    @admin.display(description="Value")
    def value_display(self, obj: Coupon) -> str:
        if obj.kind == CouponKind.PERCENT:
            return f"{obj.value}%"
        return format_money(obj.value, settings.SHOP_CURRENCY)

    @admin.display(description="Minimum spend", ordering="minimum_spend")
    def minimum_spend_display(self, obj: Coupon) -> str:
        return format_money(obj.minimum_spend, settings.SHOP_CURRENCY) if obj.minimum_spend else "—"

    @admin.display(description="Used", ordering="times_used")
    def uses(self, obj: Coupon) -> str:
        return (
            f"{obj.times_used} / {obj.usage_limit}"
            if obj.usage_limit is not None
            else str(obj.times_used)
        )


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    list_display = ["coupon", "email", "order", "created_at"]
    search_fields = ["coupon__code", "email", "order__number"]
    list_select_related = ["coupon", "order"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
