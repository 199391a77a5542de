"""Operational jobs the scheduler runs (scent/ops/schedule.py declares when)."""

from __future__ import annotations

import socket
from datetime import timedelta

from django.utils import timezone

from scent.ops import queue, scheduler
from scent.ops.models import SentEmail

# A sent e-mail's record must outlive every job that could still run again and send it:
# failed jobs are kept (and `scent queue retry` can run them) for queue.KEEP_FAILED.
KEEP_SENT_EMAILS = timedelta(days=30)


def prune_queue_results() -> str:
    """Delete finished job results, scheduler records and sent-e-mail records past their keeping time."""
    jobs = queue.prune_results()
    runs = scheduler.prune_runs()
    sent = prune_sent_emails()
    return (
        f"deleted {jobs} job result(s), {runs} scheduler record(s) and {sent} sent-e-mail record(s)"
    )


def prune_sent_emails(*, older_than: timedelta = KEEP_SENT_EMAILS) -> int:
    """Delete records of e-mails sent longer ago than `older_than`; return how many."""
    if older_than <= queue.KEEP_FAILED:
        raise ValueError(
            f"sent-e-mail records must be kept longer than failed jobs ({queue.KEEP_FAILED}): "
            "a failed job retried later would send its e-mail again"
        )
    deleted, _ = SentEmail.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted


def heartbeat() -> str:
    """Prove the scheduler is alive: the record of this run is what /health reads."""
    return f"alive on {socket.gethostname()}"
