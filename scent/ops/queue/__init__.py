"""The job queue behind `django.tasks`: one facade over the configured backend.

Application code only calls `some_task.enqueue(...)` (after a write: inside the same
transaction, see scent.core.emails). This package runs and watches the queue:
`scent worker`, `scent queue status|retry`, the pruning job, retry policies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from django.conf import settings
from django.tasks import task_backends

from scent.ops.queue.retry import RetryPolicy, WorkerLost, policy_for, retry

__all__ = [
    "RetryPolicy",
    "WorkerLost",
    "backend_kind",
    "policy_for",
    "prune_results",
    "retry",
    "retry_failed",
    "status",
]

Kind = Literal["sync", "database", "redis"]

# Finished results are kept this long for the admin and `scent queue status`.
KEEP_SUCCESSFUL = timedelta(days=1)
KEEP_FAILED = timedelta(days=7)


def backend_kind(alias: str = "default") -> Kind:
    """Which kind of queue the backend `alias` is (QUEUE_CONNECTION)."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_rq import RQBackend

    backend = task_backends[alias]
    if isinstance(backend, DatabaseBackend):
        return "database"
    if isinstance(backend, RQBackend):
        return "redis"
    return "sync"


def _module(kind: Kind):
    if kind == "database":
        from scent.ops.queue import database

        return database
    if kind == "redis":
        from scent.ops.queue import rq

        return rq
    raise QueueError(
        "QUEUE_CONNECTION=sync runs every job at once in the web process; there is no queue to "
        "inspect. Use QUEUE_CONNECTION=database or redis."
    )


class QueueError(RuntimeError):
    """An operator asked the queue for something it cannot do; the message says why."""


def status() -> dict[str, Any]:
    """Counts per queue and state, and how many workers are alive."""
    return _module(backend_kind()).status()


def retry_failed(*, ids: list[str] | None = None, queue: str | None = None) -> int:
    """Queue failed jobs again (all of them, or those with the given ids); return how many."""
    return _module(backend_kind()).retry_failed(ids=ids, queue=queue)


def prune_results(
    *,
    successful_older_than: timedelta = KEEP_SUCCESSFUL,
    failed_older_than: timedelta = KEEP_FAILED,
) -> int:
    """Delete old finished job results; return how many (the scheduler runs this nightly)."""
    if backend_kind() == "sync":
        return 0
    return _module(backend_kind()).prune(
        successful_older_than=successful_older_than, failed_older_than=failed_older_than
    )


def queue_names() -> list[str]:
    return list(settings.TASK_QUEUES)
