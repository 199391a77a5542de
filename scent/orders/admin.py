"""Staff screens for orders. Orders are never edited by hand: every change is an action
that goes through scent.orders.services (or the payment gateway for refunds)."""

from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from scent.core import params
from scent.core.money import format_money
from scent.orders import services
from scent.orders.models import Order, OrderEvent, OrderLine, OrderTransaction


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = [
        "product_name",
        "variant_label",
        "sku",
        "unit_price_display",
        "quantity",
        "line_total_display",
    ]
    readonly_fields = fields

    @admin.display(description="Unit price")
    def unit_price_display(self, obj: OrderLine) -> str:
        return format_money(obj.unit_price, obj.order.currency)

    @admin.display(description="Total")
    def line_total_display(self, obj: OrderLine) -> str:
        return format_money(obj.line_total, obj.order.currency)


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = "history"
    fields = ["created_at", "kind", "message", "actor"]
    readonly_fields = fields


class OrderTransactionInline(_ReadOnlyInline):
    model = OrderTransaction
    verbose_name_plural = "money movements"
    fields = ["created_at", "kind", "gateway", "reference", "amount_display"]
    readonly_fields = fields

    @admin.display(description="Amount")
    def amount_display(self, obj: OrderTransaction) -> str:
        return format_money(obj.amount, obj.currency)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "email",
        "status",
        "payment_status",
        "total_display",
        "tracking_number",
    ]
    list_filter = ["status", "payment_status", "created_at", "shipping_method_name"]
    date_hierarchy = "created_at"
    search_fields = ["number", "email", "ship_full_name", "tracking_number"]
    list_per_page = 50
    inlines = [OrderLineInline, OrderTransactionInline, OrderEventInline]
    actions = ["ship", "mark_processing", "mark_delivered", "cancel", "refund"]
    fieldsets = [
        (None, {"fields": ["number", "status", "payment_status", "user", "email", "created_at"]}),
        (
            "Totals",
            {
                "fields": [
                    "subtotal_display",
                    "discount_display",
                    "shipping_display",
                    "tax_display",
                    "total_display",
                    "paid_display",
                    "refunded_display",
                ]
            },
        ),
        (
            "Delivery",
            {
                "fields": [
                    "shipping_method_name",
                    "address_display",
                    "ship_phone",
                    "carrier",
                    "tracking_number",
                    "shipped_at",
                    "delivered_at",
                ]
            },
        ),
        ("Payment", {"fields": ["gateway", "payment_reference", "paid_at", "coupon_code"]}),
        ("Cancellation", {"fields": ["cancelled_at", "cancel_reason"], "classes": ["collapse"]}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on the page is edited by hand: changes are the buttons above it.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _money(self, obj: Order, amount: int) -> str:
        return format_money(amount, obj.currency)

    @admin.display(description="Total", ordering="total")
    def total_display(self, obj: Order) -> str:
        return self._money(obj, obj.total)

    @admin.display(description="Subtotal")
    def subtotal_display(self, obj: Order) -> str:
        return self._money(obj, obj.subtotal)

    @admin.display(description="Discount")
    def discount_display(self, obj: Order) -> str:
        return self._money(obj, obj.discount)

    @admin.display(description="Shipping")
    def shipping_display(self, obj: Order) -> str:
        return self._money(obj, obj.shipping)

    @admin.display(description="Tax")
    def tax_display(self, obj: Order) -> str:
        included = "included" if obj.prices_include_tax else "added"
        return f"{self._money(obj, obj.tax)} ({obj.tax_rate_bps / 100:g}% {included})"

    @admin.display(description="Paid")
    def paid_display(self, obj: Order) -> str:
        return self._money(obj, obj.amount_paid)

    @admin.display(description="Refunded")
    def refunded_display(self, obj: Order) -> str:
        return self._money(obj, obj.amount_refunded)

    @admin.display(description="Ship to")
    def address_display(self, obj: Order) -> str:
        return ", ".join(obj.shipping_address_lines())

    # --- one order: the buttons on its page reuse the list actions ------------------

    ORDER_ACTIONS = ("ship", "cancel", "refund", "mark_processing", "mark_delivered")
    CONFIRM_TITLES = {"mark_processing": "Mark processing", "mark_delivered": "Mark delivered"}
    change_form_template = "admin/orders/order/change_form.html"

    def get_urls(self):
        custom = [
            path(
                "<int:pk>/do/<str:action>/",
                self.admin_site.admin_view(self.order_action_view),
                name="orders_order_action",
            )
        ]
        return custom + super().get_urls()

    def order_action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if action not in self.ORDER_ACTIONS:
            raise Http404("No such order action")
        if not self.has_change_permission(request):
            raise PermissionDenied
        queryset = Order.objects.filter(pk=pk)
        if not queryset.exists():
            raise Http404("No such order")
        if request.method != "POST" and action in self.CONFIRM_TITLES:
            return self._action_page(
                request,
                queryset,
                action=action,
                title=self.CONFIRM_TITLES[action],
                template="confirm.html",
            )
        response = getattr(self, action)(request, queryset)
        return response or redirect("admin:orders_order_change", pk)

    # --- actions --------------------------------------------------------------------

    def _action_page(self, request, queryset, *, action: str, title: str, template: str, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "orders": list(queryset),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **extra,
        }
        return TemplateResponse(request, f"admin/orders/order/{template}", context)

    def _run(self, request, orders, work, done: str) -> None:
        ok = 0
        for order in orders:
            try:
                work(order)
                ok += 1
            except services.OrderError as exc:
                self.message_user(request, f"{order.number}: {exc}", messages.ERROR)
        if ok:
            self.message_user(request, f"{ok} order(s) {done}.", messages.SUCCESS)

    @admin.action(description="Ship selected orders (asks for tracking numbers)")
    def ship(self, request: HttpRequest, queryset: QuerySet[Order]):
        if "apply" not in request.POST:
            return self._action_page(
                request, queryset, action="ship", title="Ship orders", template="ship.html"
            )

        def work(order: Order) -> None:
            services.ship_order(
                order=order,
                tracking_number=request.POST.get(f"tracking_{order.pk}", ""),
                carrier=request.POST.get(f"carrier_{order.pk}", ""),
                actor=request.user,
            )

        self._run(request, queryset, work, "marked shipped; the customers were e-mailed")
        return None

    @admin.action(description="Mark selected orders processing")
    def mark_processing(self, request: HttpRequest, queryset: QuerySet[Order]):
        self._run(
            request,
            queryset,
            lambda o: services.start_processing(order=o, actor=request.user),
            "marked processing",
        )

    @admin.action(description="Mark selected orders delivered")
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Order]):
        self._run(
            request,
            queryset,
            lambda o: services.mark_delivered(order=o, actor=request.user),
            "marked delivered",
        )

    @admin.action(description="Cancel selected orders (stock returned)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]):
        if "apply" not in request.POST:
            return self._action_page(
                request, queryset, action="cancel", title="Cancel orders", template="cancel.html"
            )
        reason = request.POST.get("reason", "")
        paid = []

        def work(order: Order) -> None:
            services.cancel_order(order=order, actor=request.user, reason=reason)
            if order.is_paid:
                paid.append(order.number)

        self._run(request, queryset, work, "cancelled and their stock returned")
        if paid:
            self.message_user(
                request,
                f"These cancelled orders were paid; refund them too: {', '.join(paid)}.",
                messages.WARNING,
            )
        return None

    @admin.action(description="Refund selected orders through the payment gateway")
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]):
        from scent.payments.services import RefundError, refund_order

        orders = list(queryset)
        if "apply" not in request.POST:
            return self._action_page(
                request,
                queryset,
                action="refund",
                title="Refund orders",
                template="refund.html",
                # One id per form: submitting it twice never refunds twice.
                request_id=secrets.token_hex(12),
                refundable={o.pk: format_money(o.refundable_amount, o.currency) for o in orders},
            )
        request_id = request.POST.get("request_id", "") or secrets.token_hex(12)
        reason = request.POST.get("reason", "")
        for order in orders:
            raw = request.POST.get(f"amount_{order.pk}", "").strip()
            if not raw:
                continue
            try:
                amount = params.parse_price(raw, order.currency, name="amount")
            except params.BadParameter as error:
                self.message_user(request, f"{order.number}: {error.message}", messages.ERROR)
                continue
            try:
                refund_order(
                    order=order,
                    amount=amount,
                    actor=request.user,
                    reason=reason,
                    request_id=f"{request_id}-{order.pk}",
                )
            except (RefundError, services.OrderError) as exc:
                self.message_user(request, f"{order.number}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{order.number}: refunded {format_money(amount, order.currency)}.",
                    messages.SUCCESS,
                )
        return None
