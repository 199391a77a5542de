"""QUEUE_CONNECTION=redis: django-tasks-rq adapted to Django's own `django.tasks`.

Why an adapter: django-tasks-rq 0.12 is written against the `django-tasks` backport, not
against Django 6.1's built-in `django.tasks`. Used as is, its `task_class` is the backport's
Task, so `@django.tasks.task` silently returns a *different class* of task when
QUEUE_CONNECTION=redis; its results are the backport's TaskResult; and it sends the
backport's signals, so receivers of `django.tasks.signals` (Django's task logging, ours)
never hear about Redis jobs. This backend keeps django-tasks-rq's Redis plumbing and:

- makes built-in `django.tasks.Task` objects and returns built-in `TaskResult`s;
- relays the backport's started/finished signals as `django.tasks` signals;
- pushes the job to Redis when the caller's transaction commits (never if it rolls back);
- gives each job RQ's Retry from its RetryPolicy (scent.ops.queue.retry): only failures the
  policy calls transient are retried (with its backoff), and a job whose worker died is
  run again (RQ retries abandoned jobs only while `retries_left` > 0).

Workers run `rqworker --job-class scent.ops.queue.rq.Job --worker-class scent.ops.queue.rq.Worker
--with-scheduler` (`scent worker` does this); the scheduler part runs retries and deferred jobs.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import django_rq
import django_tasks.signals as backport_signals
from django import db
from django.db import transaction
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.base import TASK_MAX_PRIORITY, TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.functional import cached_property
from django_tasks_rq import backend as rq_backend
from rq import Retry
from rq.exceptions import NoSuchJobError, StopRequested
from rq.job import Callback, JobStatus
from rq.registry import (
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.worker import Worker as BaseWorker

from scent.ops.queue.retry import ABANDONED_ATTEMPTS, policy_for

logger = logging.getLogger("scent.queue")

# Seconds between a worker's checks for a free scheduler lock and abandoned jobs.
MAINTENANCE_INTERVAL = 60
# How long the attempt count of a job is kept (failed jobs stay a week, see prune).
ATTEMPTS_TTL = 8 * 24 * 3600


def as_django_result(result: Any) -> TaskResult:
    """Return `result` (a backport TaskResult or a built-in one) as a built-in TaskResult."""
    if isinstance(result, TaskResult):
        return result
    converted = TaskResult(
        task=result.task,
        id=result.id,
        status=TaskResultStatus(str(result.status)),
        enqueued_at=result.enqueued_at,
        started_at=result.started_at,
        finished_at=result.finished_at,
        last_attempted_at=result.last_attempted_at,
        args=list(result.args),
        kwargs=dict(result.kwargs),
        backend=result.backend,
        errors=[
            TaskError(exception_class_path=e.exception_class_path, traceback=e.traceback)
            for e in result.errors
        ],
        worker_ids=list(result.worker_ids),
    )
    object.__setattr__(converted, "_return_value", result._return_value)
    return converted


class Job(rq_backend.Job):
    """django-tasks-rq's Job, answering with built-in results and honouring RetryPolicy."""

    @property
    def attempts_key(self) -> str:
        return f"scent:attempts:{self.id}"

    @cached_property
    def task_result(self) -> TaskResult:  # type: ignore[override]
        result = as_django_result(rq_backend.Job.task_result.func(self))
        # RQ keeps no result for an attempt it retries, so attempts are counted in a key of
        # their own (not in job.meta, which RQ's own saves of the job overwrite).
        workers = [w.decode() for w in self.connection.lrange(self.attempts_key, 0, -1)]
        if workers:
            object.__setattr__(result, "worker_ids", workers)
        return result

    def perform(self) -> Any:
        with self.connection.pipeline() as pipe:
            pipe.rpush(self.attempts_key, self.worker_name or "worker")
            pipe.expire(self.attempts_key, ATTEMPTS_TTL)
            pipe.execute()
        self.__dict__.pop("task_result", None)
        return super().perform()

    def _execute(self) -> Any:
        try:
            return super()._execute()
        except Exception as exc:
            policy = policy_for(self.func_name)
            if not (policy and policy.retries(exc)):
                # Not transient: fail now. retries_left stays reserved for lost workers.
                self.retries_left = 0
            raise


def _retry_for(task: Task) -> Retry:
    policy = policy_for(task.module_path)
    if policy is None:
        return Retry(max=ABANDONED_ATTEMPTS - 1)
    retries = max(policy.attempts, ABANDONED_ATTEMPTS) - 1
    return Retry(max=retries, interval=list(policy.backoff) or 0)


class RQBackend(rq_backend.RQBackend):
    task_class = Task

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(rq_backend.failed_callback),
            on_success=Callback(rq_backend.success_callback),
            meta={"backend_name": self.alias},
            retry=_retry_for(task),
        )

        def push() -> None:
            if task.run_after is None:
                queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
            else:
                queue.schedule_job(job, task.run_after)

        # Redis is not part of the database transaction: push the job when the caller's
        # transaction commits, so a rolled-back change never runs its job (as with the
        # database queue, where the job row rolls back with it).
        transaction.on_commit(push, robust=False)
        result = TaskResult(
            task=task,
            id=job.id,
            status=TaskResultStatus.READY,
            enqueued_at=job.enqueued_at,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result

    def _get_job(self, result_id: str) -> Job | None:
        try:
            return Job.fetch(result_id, connection=django_rq.get_connection())
        except NoSuchJobError:
            return None

    def _get_queues(self) -> list:
        return django_rq.queues.get_queues(*self.queues, job_class=Job)

    def get_result(self, result_id: str) -> TaskResult:
        job = self._get_job(result_id)
        if job is None:
            raise TaskResultDoesNotExist(result_id)
        return job.task_result


def _relay(target):
    def receiver(sender: type, task_result: Any, **kwargs: Any) -> None:
        target.send(sender=sender, task_result=as_django_result(task_result))

    return receiver


# The backport's own log receivers would log each job a second time under "django_tasks".
for _signal, _logger in (
    (backport_signals.task_enqueued, backport_signals.log_task_enqueued),
    (backport_signals.task_started, backport_signals.log_task_started),
    (backport_signals.task_finished, backport_signals.log_task_finished),
):
    _signal.disconnect(_logger)
backport_signals.task_started.connect(
    _relay(task_started), sender=RQBackend, weak=False, dispatch_uid="scent-rq-started"
)
backport_signals.task_finished.connect(
    _relay(task_finished), sender=RQBackend, weak=False, dispatch_uid="scent-rq-finished"
)


class Worker(BaseWorker):
    """RQ's worker that pauses while the shop is in maintenance mode (Laravel's rule)."""

    force = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # RQ looks for a free scheduler lock and for jobs of dead workers only every 10
        # minutes by default, and an idle worker waits for a job up to its TTL (7 minutes)
        # before it looks at all: a worker killed while holding the lock, or in the middle
        # of a job, stalled every retry and that job for so long.
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        kwargs.setdefault("worker_ttl", MAINTENANCE_INTERVAL + 15)
        super().__init__(*args, **kwargs)

    def execute_job(self, job, queue) -> None:
        # The work horse is a fork: it must open its own database connection, never share
        # this process's or inherit one the database dropped (a restart of MariaDB would
        # otherwise fail every later job with "server has gone away").
        db.connections.close_all()
        super().execute_job(job, queue)

    def check_for_suspension(self, burst: bool) -> None:
        super().check_for_suspension(burst)
        if self.force:
            return
        db.close_old_connections()  # reconnect after the database restarted
        from scent.ops.maintenance import is_down

        paused = False
        while not self._stop_requested and is_down():
            if burst:
                raise StopRequested
            if not paused:
                logger.info("worker %s: shop is in maintenance mode, pausing", self.name)
                paused = True
            self.heartbeat()
            time.sleep(1)
        if paused:
            logger.info("worker %s: shop is back up, resuming", self.name)


class ForceWorker(Worker):
    """`scent worker --force`: keeps working in maintenance mode."""

    force = True


# --- status, retry, prune -------------------------------------------------------------------
STATES = ("queued", "scheduled", "started", "finished", "failed")


def _queues(names: list[str] | None = None) -> list:
    from django.conf import settings

    return [django_rq.get_queue(name, job_class=Job) for name in names or settings.TASK_QUEUES]


def status() -> dict[str, Any]:
    queues: dict[str, dict[str, int]] = OrderedDict()
    for queue in _queues():
        queues[queue.name] = {
            "queued": queue.count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
            "started": StartedJobRegistry(queue=queue).count,
            "finished": FinishedJobRegistry(queue=queue).count,
            "failed": FailedJobRegistry(queue=queue).count,
        }
    workers = BaseWorker.count(connection=django_rq.get_connection())
    return {"states": STATES, "queues": queues, "workers": workers}


def retry_failed(*, ids: list[str] | None = None, queue: str | None = None) -> int:
    """Requeue failed jobs (all when `ids` is None) with a fresh round of attempts."""
    count = 0
    for rq_queue in _queues([queue] if queue else None):
        registry = FailedJobRegistry(queue=rq_queue)
        for job_id in registry.get_job_ids():
            if ids is not None and job_id not in ids:
                continue
            job = Job.fetch(job_id, connection=rq_queue.connection)
            policy = policy_for(job.func_name)
            job.retries_left = max(policy.attempts if policy else 1, ABANDONED_ATTEMPTS) - 1
            job.save()
            registry.requeue(job_id)
            count += 1
    return count


def prune(*, successful_older_than: timedelta, failed_older_than: timedelta) -> int:
    """Drop failed jobs older than `failed_older_than`; RQ expires finished ones by result_ttl."""
    cutoff = timezone.now() - failed_older_than
    removed = 0
    for rq_queue in _queues():
        registry = FailedJobRegistry(queue=rq_queue)
        registry.cleanup()
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=rq_queue.connection)
            if job.ended_at and job.ended_at < cutoff:
                registry.remove(job, delete_job=True)
                removed += 1
    return removed
