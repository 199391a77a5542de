"""Read-only views of payments, refunds and Stripe events (refunds are made on the order)."""

from django.contrib import admin

from scent.payments.models import Payment, Refund, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = ("created_at", "amount", "currency", "status", "reference", "reason", "actor")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "order_number",
        "gateway",
        "reference",
        "display_amount",
        "status",
        "card_last4",
        "created_at",
    )
    list_filter = ("status", "gateway")
    search_fields = ("order_number", "reference")
    date_hierarchy = "created_at"
    exclude = ("client_secret",)
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("payment", "display_amount", "status", "reference", "actor", "created_at")
    list_filter = ("status",)
    search_fields = ("payment__order_number", "reference")
    list_select_related = ("payment", "actor")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "livemode", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id",)
