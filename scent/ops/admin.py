"""Admin for the operator: queued jobs (failed ones retryable), workers, scheduler runs, sent e-mail."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from scent.ops.models import QueueWorker, ScheduleRun, SentEmail
from scent.ops.queue import database

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(DBTaskResultAdmin):
    """django-tasks-db's read-only job list, plus "Retry" for failed jobs."""

    list_display = (
        "id",
        "task_name",
        "status",
        "queue_name",
        "attempts",
        "enqueued_at",
        "finished_at",
        "exception_class_path",
    )
    list_filter = ("status", "queue_name")
    search_fields = ("id", "task_path", "exception_class_path")
    actions = ["retry_jobs"]

    @admin.display(description="attempts")
    def attempts(self, obj: DBTaskResult) -> int:
        return len(obj.worker_ids)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.action(description="Retry selected failed jobs", permissions=["retry"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        count = database.retry_failed(ids=ids)
        skipped = len(ids) - count
        self.message_user(request, f"Queued {count} failed job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected job(s) were not failed and were left alone.",
                messages.WARNING,
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(QueueWorker)
class QueueWorkerAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "queues", "started_at", "last_seen_at")


@admin.register(ScheduleRun)
class ScheduleRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "tick", "status", "host", "started_at", "finished_at")
    list_filter = ("status", "job")
    date_hierarchy = "tick"


@admin.register(SentEmail)
class SentEmailAdmin(ReadOnlyAdmin):
    """Which e-mails went out, by address: "did my confirmation go out?" answered at a glance."""

    list_display = ("sent_at", "template", "to", "message_id")
    list_filter = ("template",)
    search_fields = ("to", "message_id")
    date_hierarchy = "sent_at"

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # without its record, a retried job would send the e-mail again
