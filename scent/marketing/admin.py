"""Staff screens: review moderation, testimonials, newsletter subscribers and campaigns,
quiz statistics."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from scent.catalog import selectors as catalog_selectors
from scent.marketing import selectors, services
from scent.marketing.models import (
    Campaign,
    CampaignDelivery,
    QuizResult,
    Review,
    ReviewStatus,
    Subscriber,
    Testimonial,
    WishlistItem,
)
from scent.marketing.quiz import questions


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["product", "rating", "title", "author", "status", "is_featured", "created_at"]
    list_filter = ["status", "is_featured", "rating"]
    list_editable = ["is_featured"]
    search_fields = ["product__name", "user__email", "title", "body"]
    list_select_related = ["product", "user"]
    readonly_fields = [
        "product",
        "user",
        "rating",
        "title",
        "body",
        "created_at",
        "updated_at",
        "moderated_at",
    ]
    fields = [
        "product",
        "user",
        "rating",
        "title",
        "body",
        "status",
        "is_featured",
        "created_at",
        "updated_at",
        "moderated_at",
    ]
    actions = ["approve", "reject"]
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews come from customers who bought the product

    @admin.display(description="Customer", ordering="user__email")
    def author(self, obj: Review) -> str:
        return obj.user.email

    @admin.action(description="Approve the selected reviews", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        n = services.reviews_moderate(reviews=queryset, status=ReviewStatus.APPROVED)
        self.message_user(
            request,
            ngettext("%d review approved.", "%d reviews approved.", n) % n,
            messages.SUCCESS,
        )

    @admin.action(description="Reject the selected reviews", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        n = services.reviews_moderate(reviews=queryset, status=ReviewStatus.REJECTED)
        self.message_user(
            request,
            ngettext("%d review rejected.", "%d reviews rejected.", n) % n,
            messages.SUCCESS,
        )


@admin.register(Testimonial)
class TestimonialAdmin(admin.ModelAdmin):
    list_display = ["author", "quote", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["author", "quote"]


def _csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "source", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status", "source", "created_at"]
    search_fields = ["email"]
    # Consent is the subscriber's: staff can see it and unsubscribe someone who asks,
    # but never confirm an address themselves.
    readonly_fields = [
        "email",
        "status",
        "source",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    fields = readonly_fields
    actions = ["export_csv", "unsubscribe"]
    ordering = ["-created_at", "-id"]

    @admin.action(description="Unsubscribe the selected addresses", permissions=["change"])
    def unsubscribe(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        n = services.subscribers_unsubscribe(subscribers=queryset)
        self.message_user(
            request,
            ngettext("%d address unsubscribed.", "%d addresses unsubscribed.", n) % n,
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # addresses come in through the double opt-in only

    @admin.action(description="Export the selected subscribers as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Subscriber]):
        writer = csv.writer(_Echo())
        header = ["email", "status", "source", "created_at", "confirmed_at", "unsubscribed_at"]

        def rows():
            yield writer.writerow(header)
            for row in queryset.order_by("pk").values_list(*header).iterator(chunk_size=2000):
                yield writer.writerow([_csv_cell(v) for v in row])

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return StreamingHttpResponse(
            rows(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="subscribers-{stamp}.csv"'},
        )


@admin.register(QuizResult)
class QuizResultAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "mood", "family", "intensity", "format", "budget"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["user", "answers", "product_ids", "created_at"]
    change_list_template = "admin/marketing/quizresult/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _answer(self, obj: QuizResult, key: str) -> str:
        return str(obj.answers.get(key, ""))

    @admin.display(description="Mood")
    def mood(self, obj: QuizResult) -> str:
        return self._answer(obj, "mood")

    @admin.display(description="Scent family")
    def family(self, obj: QuizResult) -> str:
        return self._answer(obj, "family")

    @admin.display(description="Intensity")
    def intensity(self, obj: QuizResult) -> str:
        return self._answer(obj, "intensity")

    @admin.display(description="Format")
    def format(self, obj: QuizResult) -> str:
        return self._answer(obj, "format")

    @admin.display(description="Budget")
    def budget(self, obj: QuizResult) -> str:
        return self._answer(obj, "budget")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """The list, with how often each answer was given above it."""
        counts = selectors.quiz_answer_counts()
        stats = []
        for question in questions(moods=catalog_selectors.moods()):
            rows = counts.get(question.key, [])
            total = sum(n for _, n in rows) or 1
            stats.append(
                {
                    "title": question.title,
                    "rows": [
                        (question.label_for(value), n, round(100 * n / total)) for value, n in rows
                    ],
                }
            )
        return super().changelist_view(request, {**(extra_context or {}), "quiz_stats": stats})


@admin.register(WishlistItem)
class WishlistItemAdmin(admin.ModelAdmin):
    list_display = ["product", "user", "created_at"]
    list_select_related = ["product", "user"]
    search_fields = ["product__name", "user__email"]
    readonly_fields = ["product", "user", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    """Written by `scent newsletter send` only: staff watch, never edit or delete (a
    deleted campaign or delivery would let the same letter go out again)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(_ReadOnly):
    list_display = [
        "subject",
        "template",
        "created_at",
        "started_at",
        "finished_at",
        "progress",
        "skipped",
    ]
    list_filter = ["template", "finished_at"]
    search_fields = ["subject"]
    date_hierarchy = "created_at"
    fields = [
        "subject",
        "template",
        "context",
        "created_at",
        "started_at",
        "finished_at",
        "recipients",
        "progress",
        "skipped",
        "waiting",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return selectors.campaigns_with_progress(super().get_queryset(request))

    @admin.display(description="Queued / sent of total")
    def progress(self, obj: Campaign) -> str:
        p = selectors.campaign_progress(obj)
        return f"{p.queued} / {p.sent} of {p.total}"

    @admin.display(description="Unsubscribed, skipped")
    def skipped(self, obj: Campaign) -> int:
        return selectors.campaign_progress(obj).skipped

    @admin.display(description="Still waiting")
    def waiting(self, obj: Campaign) -> int:
        return selectors.campaign_progress(obj).waiting


@admin.register(CampaignDelivery)
class CampaignDeliveryAdmin(_ReadOnly):
    list_display = ["subscriber", "campaign", "queued_at", "sent_at", "skipped_at"]
    list_filter = ["campaign"]
    list_select_related = ["subscriber", "campaign"]
    search_fields = ["subscriber__email", "message_id"]
    fields = ["campaign", "subscriber", "queued_at", "sent_at", "skipped_at", "message_id"]
    readonly_fields = fields
