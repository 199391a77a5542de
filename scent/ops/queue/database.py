"""The database queue (django-tasks-db): our worker, recovery of lost jobs, status, retry, prune.

django-tasks-db's own `db_worker` claims a job (READY -> RUNNING) and runs it, but:

- nothing ever looks at a RUNNING job again, so a job whose worker was killed mid-run
  (kill -9, OOM, a machine lost) would stay RUNNING forever and never run: each worker
  here keeps a heartbeat row (ops.QueueWorker) fresh from a thread, and any worker hands
  the jobs of a worker whose heartbeat went stale back to the queue;
- a failure is final: here a task's RetryPolicy (scent.ops.queue.retry) puts a transient
  failure back as READY with a later run_after (backoff) until its attempts are used up;
- a first SIGTERM while idle exits at once, which it may do between "claimed" and "started":
  here SIGTERM exits at once only while sleeping, otherwise after the current job;
- it knows nothing about maintenance mode: here the worker pauses while the shop is down
  unless started with --force (Laravel's `queue:work --force`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from traceback import format_exception
from types import FrameType
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Count
from django.db.utils import OperationalError
from django.tasks import TaskContext
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as DbWorker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from scent.ops.models import QueueWorker
from scent.ops.queue import QueueError
from scent.ops.queue.retry import WorkerLost, max_attempts_after_worker_loss, policy_for

logger = logging.getLogger("scent.queue")

READY = "READY"
RUNNING = "RUNNING"
FAILED = "FAILED"
SUCCESSFUL = "SUCCESSFUL"
STATES = (READY, RUNNING, SUCCESSFUL, FAILED)

# A job claimed by a worker that never registered a heartbeat (django-tasks-db's plain
# `db_worker`) is only taken back after this long, like Laravel's `retry_after`.
UNREGISTERED_WORKER_RETRY_AFTER = timedelta(hours=1)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{get_random_string(12)}"


class Worker(DbWorker):
    """django-tasks-db's worker with heartbeat, recovery, retries, maintenance and clean stops."""

    def __init__(
        self,
        *,
        queue_names: list[str],
        interval: float = 1.0,
        once: bool = False,
        max_tasks: int | None = None,
        force: bool = False,
        heartbeat: float = 10.0,
        stale_after: float = 60.0,
        backend_name: str = "default",
        worker_id: str | None = None,
    ) -> None:
        super().__init__(
            queue_names=queue_names,
            interval=interval,
            batch=once,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id(),
            excluded_queue_names=[],
        )
        self.force = force
        self.heartbeat_interval = heartbeat
        self.stale_after = timedelta(seconds=stale_after)
        self.sleeping = False
        self._beat_stop = threading.Event()
        self._last_recovery = 0.0
        self._paused = False
        self._current: DBTaskResult | None = None

    # --- signals -------------------------------------------------------------------
    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            # A second signal: stop the job too; run_task hands it back to the queue.
            logger.warning(
                "worker %s: second stop signal, abandoning the current job", self.worker_id
            )
            self.reset_signals()
            raise SystemExit(1)
        logger.info("worker %s: stop signal, finishing the current job first", self.worker_id)
        self.running = False
        if self.sleeping:
            raise SystemExit(0)

    # --- main loop ---------------------------------------------------------------------
    def run(self) -> None:
        self._register()
        beat = threading.Thread(target=self._beat, name="queue-heartbeat", daemon=True)
        beat.start()
        logger.info(
            "worker %s started on queues %s (pid %s)",
            self.worker_id,
            ",".join(self.queue_names),
            os.getpid(),
        )
        try:
            self._loop()
        finally:
            if self._current is not None:
                # Leaving with a claimed job (a crash between claim and result): hand it
                # back now rather than after UNREGISTERED_WORKER_RETRY_AFTER.
                release_job(self._current, reason=f"worker {self.worker_id} stopped")
            self._beat_stop.set()
            beat.join(timeout=5)
            self._unregister()
            logger.info("worker %s stopped after %d job(s)", self.worker_id, self._run_tasks)

    def _loop(self) -> None:
        while self.running:
            if not connection.in_atomic_block:  # (tests run a worker inside a transaction)
                close_old_connections()
            if time.monotonic() - self._last_recovery >= self.heartbeat_interval:
                self._last_recovery = time.monotonic()
                recover_abandoned_jobs(stale_after=self.stale_after)
            if not self.force and _site_is_down():
                if not self._paused:
                    logger.info("worker %s: shop is in maintenance mode, pausing", self.worker_id)
                    self._paused = True
                if self.batch:
                    return
                self._sleep()
                continue
            if self._paused:
                logger.info("worker %s: shop is back up, resuming", self.worker_id)
                self._paused = False

            claimed, polled = self._claim()
            if claimed is not None:
                self._current = claimed
                self.run_task(claimed)
                self._current = None
            if self.batch and polled and claimed is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and claimed is None:
                self._sleep()

    def _sleep(self) -> None:
        self.sleeping = True
        try:
            if self.running:
                time.sleep(self.interval)
        finally:
            self.sleeping = False

    def _claim(self) -> tuple[DBTaskResult | None, bool]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(tasks.db):
                claimed = tasks.get_locked()
                if claimed is not None:
                    claimed.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None, False
            raise
        return claimed, True

    # --- running one job -------------------------------------------------------------
    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        try:
            try:
                task = db_task_result.task
                task_result = db_task_result.task_result
                backend_type = type(task.get_backend())
                task_started.send(sender=backend_type, task_result=task_result)
                if task.takes_context:
                    value = task.call(
                        TaskContext(task_result=task_result),
                        *task_result.args,
                        **task_result.kwargs,
                    )
                else:
                    value = task.call(*task_result.args, **task_result.kwargs)
                db_task_result.set_successful(value)
            except (SystemExit, KeyboardInterrupt):
                # Stopped by force mid-job: the job did not fail, give it to another worker.
                release_job(db_task_result, reason="worker stopped by force")
                raise
            except BaseException as exc:
                self._failed(db_task_result, exc)
                return
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _failed(self, db_task_result: DBTaskResult, exc: BaseException) -> None:
        attempts = len(db_task_result.worker_ids)
        policy = policy_for(db_task_result.task_path)
        if policy and policy.retries(exc) and attempts < policy.attempts:
            delay = policy.delay(attempts)
            schedule_retry(db_task_result, exc, delay=delay)
            logger.warning(
                "job %s (%s) failed on attempt %d of %d: %s; retrying in %ss",
                db_task_result.id,
                db_task_result.task_path,
                attempts,
                policy.attempts,
                exc.__class__.__name__,
                delay,
            )
            return
        db_task_result.set_failed(exc)
        try:
            sender = type(db_task_result.task.get_backend())
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except (ImportError, SuspiciousOperation):
            logger.exception("job %s failed and its task cannot be loaded", db_task_result.id)

    # --- heartbeat -----------------------------------------------------------------------
    def _register(self) -> None:
        now = timezone.now()
        QueueWorker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": ",".join(self.queue_names)[:255],
                "started_at": now,
                "last_seen_at": now,
            },
        )

    def _unregister(self) -> None:
        try:
            QueueWorker.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker %s: could not remove its heartbeat row", self.worker_id)

    def _beat(self) -> None:
        try:
            while not self._beat_stop.wait(self.heartbeat_interval):
                try:
                    QueueWorker.objects.filter(worker_id=self.worker_id).update(
                        last_seen_at=timezone.now()
                    )
                except DatabaseError as exc:
                    logger.warning("worker %s: heartbeat failed: %s", self.worker_id, exc)
        finally:
            connection.close()


def _site_is_down() -> bool:
    from scent.ops.maintenance import is_down

    return is_down()


# --- job state changes ------------------------------------------------------------------
def schedule_retry(db_task_result: DBTaskResult, exc: BaseException, *, delay: int) -> None:
    """Put a failed attempt back as READY after `delay` seconds, keeping its traceback."""
    db_task_result.status = READY
    db_task_result.run_after = timezone.now() + timedelta(seconds=delay)
    db_task_result.finished_at = None
    db_task_result.exception_class_path = f"{type(exc).__module__}.{type(exc).__qualname__}"
    db_task_result.traceback = "".join(format_exception(exc))
    db_task_result.save(
        update_fields=["status", "run_after", "finished_at", "exception_class_path", "traceback"]
    )


def release_job(db_task_result: DBTaskResult, *, reason: str) -> None:
    """Hand a RUNNING job back to the queue to run as soon as possible."""
    updated = DBTaskResult.objects.filter(pk=db_task_result.pk, status=RUNNING).update(
        status=READY, run_after=get_date_max(), finished_at=None
    )
    if updated:
        logger.warning("job %s handed back to the queue: %s", db_task_result.pk, reason)


def recover_abandoned_jobs(
    *, stale_after: timedelta, now: datetime | None = None, backend_name: str = "default"
) -> int:
    """Give RUNNING jobs of dead workers back to the queue (or fail them); return how many."""
    now = now or timezone.now()
    seen = dict(QueueWorker.objects.values_list("worker_id", "last_seen_at"))
    recovered = 0
    running = DBTaskResult.objects.running().filter(backend_name=backend_name)
    try:
        with exclusive_transaction(running.db):
            for job in running.select_for_update(skip_locked=True):
                owner = job.worker_ids[-1] if job.worker_ids else None
                last_seen = seen.get(owner)
                if last_seen is not None:
                    lost = last_seen < now - stale_after
                else:
                    lost = job.started_at is None or (
                        job.started_at < now - UNREGISTERED_WORKER_RETRY_AFTER
                    )
                if not lost:
                    continue
                recovered += 1
                _recover(job, owner=owner, now=now)
    except OperationalError as exc:
        if not is_locked_database_exception(exc):
            raise
        return 0
    QueueWorker.objects.filter(last_seen_at__lt=now - timedelta(days=1)).delete()
    return recovered


def _recover(job: DBTaskResult, *, owner: str | None, now: datetime) -> None:
    attempts = len(job.worker_ids)
    allowed = max_attempts_after_worker_loss(job.task_path)
    message = f"worker {owner} stopped responding during attempt {attempts} of {allowed}"
    if attempts < allowed:
        job.status = READY
        job.run_after = get_date_max()
        job.save(update_fields=["status", "run_after"])
        logger.warning("job %s (%s): %s; queued again", job.id, job.task_path, message)
        return
    job.status = FAILED
    job.finished_at = now
    job.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
    job.traceback = f"{WorkerLost.__module__}.WorkerLost: {message}\n"
    job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    logger.error("job %s (%s): %s; marked failed", job.id, job.task_path, message)


def retry_failed(*, ids: list[str] | None = None, queue: str | None = None) -> int:
    """Queue failed jobs again (all of them when `ids` is None); return how many."""
    jobs = DBTaskResult.objects.failed()
    if ids is not None:
        try:
            jobs = jobs.filter(pk__in=[uuid.UUID(job_id) for job_id in ids])
        except ValueError:
            raise QueueError(
                f"not a job id: {', '.join(ids)} (ids look like 7c9e6679-7425-40de-944b-e07fc1f90ae7)"
            ) from None
    if queue:
        jobs = jobs.filter(queue_name=queue)
    # A retried job starts a fresh round of attempts, as Laravel's queue:retry does.
    return jobs.update(status=READY, run_after=get_date_max(), finished_at=None, worker_ids=[])


def prune(*, successful_older_than: timedelta, failed_older_than: timedelta) -> int:
    """Delete finished job results older than the given ages; return how many."""
    now = timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        status=SUCCESSFUL, finished_at__lt=now - successful_older_than
    ).delete()
    failed, _ = DBTaskResult.objects.filter(
        status=FAILED, finished_at__lt=now - failed_older_than
    ).delete()
    return deleted + failed


def status(*, stale_after: timedelta = timedelta(seconds=60)) -> dict[str, Any]:
    """Counts per queue and state, plus the workers whose heartbeat is fresh."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")):
        counts[row["queue_name"]][row["status"]] = row["n"]
    alive = QueueWorker.objects.filter(last_seen_at__gte=timezone.now() - stale_after).count()
    return {"states": STATES, "queues": dict(counts), "workers": alive}
