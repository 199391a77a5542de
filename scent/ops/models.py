"""Operational state shared by every machine (web, worker, scheduler)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class MaintenanceMode(models.Model):
    """The site is down for maintenance while this single row exists (MAINTENANCE_DRIVER=database).

    Managed through scent.ops.maintenance (`scent down` / `scent up`), never edited directly.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    secret = models.CharField(max_length=255, blank=True)
    status = models.PositiveSmallIntegerField(default=503)
    retry = models.PositiveIntegerField(null=True, blank=True)
    refresh = models.PositiveIntegerField(null=True, blank=True)
    redirect = models.CharField(max_length=2048, blank=True)
    template = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = "maintenance mode"
        verbose_name_plural = "maintenance mode"

    def __str__(self) -> str:
        return f"down since {self.started_at:%Y-%m-%d %H:%M}"


class QueueWorker(models.Model):
    """A running `scent worker` (database queue), kept alive by its heartbeat thread.

    django-tasks-db marks a job RUNNING when a worker claims it and nothing ever looks at
    it again: a worker killed mid-job (OOM, kill -9, a lost machine) would leave the job
    RUNNING forever. The heartbeat tells live workers from dead ones, so another worker can
    hand a dead worker's job back to the queue (scent.ops.queue.database).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "queue worker"

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"


class ScheduleRun(models.Model):
    """One tick of one scheduled job; the unique (job, tick) row is the cross-machine lock."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped"

    job = models.CharField(max_length=100)
    tick = models.DateTimeField(help_text="The minute (UTC) this run was due.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    host = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    output = models.TextField(blank=True)

    class Meta:
        verbose_name = "scheduled run"
        constraints = [
            models.UniqueConstraint(fields=["job", "tick"], name="ops_schedulerun_one_per_tick")
        ]
        indexes = [
            models.Index(fields=["job", "status", "-tick"], name="ops_schedulerun_job_status")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.tick:%Y-%m-%d %H:%M} {self.status}"


class SentEmail(models.Model):
    """One e-mail the mail backend accepted, by the Message-ID it was given when queued.

    Written by scent.core.emails.send_email right after the backend accepted the message;
    a retried job whose Message-ID is here sends nothing. Never edited by hand.
    """

    message_id = models.CharField(max_length=255, unique=True)
    template = models.CharField(max_length=100)
    to = models.TextField(help_text="The recipients, comma-separated.")
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "sent e-mail"

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.message_id})"


class PendingEmail(models.Model):
    """An e-mail job not yet on a queue that lives outside the database (Redis).

    scent.core.emails.queue_email writes it in the transaction of the change the e-mail
    is about and deletes it once the job is on the queue, right after the commit. A row
    left behind means the process died (or Redis was away) between the commit and the
    push: `push_pending_emails`, every minute, pushes it again. A second push of a job
    that did reach the queue sends nothing: the send is recorded under its Message-ID.
    """

    message_id = models.CharField(max_length=255, unique=True)
    job = models.JSONField(help_text="send_email's arguments.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "e-mail waiting for the queue"
        verbose_name_plural = "e-mails waiting for the queue"

    def __str__(self) -> str:
        return f"{self.job.get('template', '?')} ({self.message_id})"
