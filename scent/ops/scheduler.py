"""The scheduler: Laravel's `schedule:run` / `schedule:work` on croniter.

Jobs are declared in one module, scent/ops/schedule.py (SCHEDULE_MODULE), that reads like
Laravel's routes/console.php. `scent schedule run` runs the jobs due this minute (cron calls
it every minute); `scent schedule work` does the same in a loop (a Fly process, Procfile).

Every due job first claims its tick: it inserts the row (job, minute) of ops.ScheduleRun, and
the unique constraint lets exactly one scheduler win even when several machines run the
scheduler at once. A job `without_overlapping` (the default) is also skipped while its previous
run is still going. In maintenance mode jobs are skipped unless `even_in_maintenance`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from scent.ops.models import ScheduleRun

logger = logging.getLogger("scent.scheduler")

HEARTBEAT_JOB = "heartbeat"
DEFAULT_SCHEDULE_MODULE = "scent.ops.schedule"
# `schedule work` runs at most this many missed minutes after a pause (a slow job, a stall).
MAX_CATCH_UP_MINUTES = 5


class ScheduleError(ValueError):
    """A job declaration is wrong (bad cron expression, unknown timezone, duplicate name)."""


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    cron: str
    action: Callable[[], Any]
    description: str = ""
    timezone: str = ""
    without_overlapping: bool = True
    even_in_maintenance: bool = False
    overlap_expires: timedelta = timedelta(hours=24)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or settings.TIME_ZONE)

    def is_due(self, tick: datetime) -> bool:
        """True if the job's expression matches the minute `tick` in the job's timezone."""
        return croniter.match(self.cron, tick.astimezone(self.zone))

    def next_run(self, after: datetime) -> datetime:
        local = after.astimezone(self.zone)
        return croniter(self.cron, local).get_next(datetime).astimezone(UTC)


class Schedule:
    """The list of scheduled jobs; scent/ops/schedule.py fills one."""

    def __init__(self) -> None:
        self._jobs: dict[str, ScheduledJob] = {}

    @property
    def jobs(self) -> list[ScheduledJob]:
        return list(self._jobs.values())

    def get(self, name: str) -> ScheduledJob:
        try:
            return self._jobs[name]
        except KeyError:
            raise ScheduleError(
                f"no scheduled job {name!r}; the jobs are: {', '.join(self._jobs)}"
            ) from None

    def command(
        self, command: str, *args: str, cron: str, name: str = "", **options: Any
    ) -> ScheduledJob:
        """Run the management command `command` (like Laravel's Schedule::command)."""
        job_options = _split_job_options(options)

        def run_command() -> str:
            out = StringIO()
            call_command(command, *args, stdout=out, stderr=out, **options)
            return out.getvalue()

        return self._add(name or command, cron, run_command, **job_options)

    def call(
        self, func: Callable[[], Any], *, cron: str, name: str = "", **options: Any
    ) -> ScheduledJob:
        """Call `func` in the scheduler process (like Laravel's Schedule::call)."""
        return self._add(name or func.__name__, cron, func, **options)

    def job(
        self,
        task: Any,
        *,
        cron: str,
        name: str = "",
        args: tuple = (),
        kwargs: dict | None = None,
        **options: Any,
    ) -> ScheduledJob:
        """Put the django.tasks `task` on the queue (like Laravel's Schedule::job)."""

        def enqueue() -> str:
            result = task.enqueue(*args, **(kwargs or {}))
            return f"queued job {result.id}"

        return self._add(name or task.name, cron, enqueue, **options)

    def _add(self, name: str, cron: str, action: Callable[[], Any], **options: Any) -> ScheduledJob:
        if name in self._jobs:
            raise ScheduleError(f"two scheduled jobs are named {name!r}; give one name=...")
        if not croniter.is_valid(cron):
            raise ScheduleError(f"{name}: {cron!r} is not a valid cron expression")
        job = ScheduledJob(name=name, cron=cron, action=action, **options)
        try:
            job.zone  # noqa: B018 - fail at declaration time on a bad timezone
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"{name}: unknown timezone {job.timezone!r}") from None
        self._jobs[name] = job
        return job


def _split_job_options(options: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "description",
        "timezone",
        "without_overlapping",
        "even_in_maintenance",
        "overlap_expires",
    )
    return {key: options.pop(key) for key in keys if key in options}


def load_schedule() -> Schedule:
    """The project's schedule (the module named by SCHEDULE_MODULE)."""
    module = import_module(getattr(settings, "SCHEDULE_MODULE", DEFAULT_SCHEDULE_MODULE))
    return module.schedule


# --- running --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # ScheduleRun.Status value, or "taken" when another scheduler has the tick
    output: str = ""


def minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def run_due(schedule: Schedule, *, now: datetime | None = None, host: str = "") -> list[Outcome]:
    """Run every job due at the minute of `now`; return what happened to each due job."""
    now = now or timezone.now()
    tick = minute(now)
    host = host or socket.gethostname()
    if not connection.in_atomic_block:  # `schedule work` slept a minute: drop a dead connection
        close_old_connections()
    down = _site_is_down()
    outcomes = []
    for job in schedule.jobs:
        if job.is_due(tick):
            outcomes.append(_run_job(job, tick=tick, now=now, host=host, down=down))
            if not connection.in_atomic_block:  # a long job may outlive its connection
                close_old_connections()
    return outcomes


def _run_job(job: ScheduledJob, *, tick: datetime, now: datetime, host: str, down: bool) -> Outcome:
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(
                job=job.name,
                tick=tick,
                status=ScheduleRun.Status.RUNNING,
                host=host[:255],
                started_at=now,
            )
    except IntegrityError:
        logger.info("schedule: %s at %s already taken by another scheduler", job.name, tick)
        return Outcome(job.name, "taken")

    skip = ""
    if down and not job.even_in_maintenance:
        skip = "skipped: the shop is in maintenance mode"
    elif job.without_overlapping and (
        ScheduleRun.objects.filter(
            job=job.name,
            status=ScheduleRun.Status.RUNNING,
            started_at__gte=now - job.overlap_expires,
        )
        .exclude(pk=run.pk)
        .exists()
    ):
        skip = "skipped: the previous run is still running"
    if skip:
        _finish(run, ScheduleRun.Status.SKIPPED, skip, now)
        logger.info("schedule: %s %s", job.name, skip)
        return Outcome(job.name, ScheduleRun.Status.SKIPPED, skip)

    started = time.monotonic()
    logger.info("schedule: running %s", job.name)
    try:
        result = job.action()
    except Exception:
        output = traceback.format_exc()
        logger.exception("schedule: %s failed", job.name)
        _finish(
            run,
            ScheduleRun.Status.FAILED,
            output,
            now + timedelta(seconds=time.monotonic() - started),
        )
        return Outcome(job.name, ScheduleRun.Status.FAILED, output)
    output = "" if result is None else str(result)
    _finish(
        run,
        ScheduleRun.Status.SUCCEEDED,
        output,
        now + timedelta(seconds=time.monotonic() - started),
    )
    return Outcome(job.name, ScheduleRun.Status.SUCCEEDED, output)


def _finish(run: ScheduleRun, status: str, output: str, finished_at: datetime) -> None:
    run.status = status
    run.output = output[-10_000:]
    run.finished_at = finished_at
    ScheduleRun.objects.filter(pk=run.pk).update(
        status=run.status, output=run.output, finished_at=run.finished_at
    )


def work(
    schedule: Schedule,
    *,
    stop: threading.Event,
    clock: Callable[[], datetime] = timezone.now,
    host: str = "",
) -> None:
    """Run each minute's due jobs until `stop` is set (`scent schedule work`)."""
    last: datetime | None = None
    while not stop.is_set():
        tick = minute(clock())
        if last is None:
            ticks = [tick]
        else:
            missed = int((tick - last).total_seconds() // 60)
            ticks = [last + timedelta(minutes=n) for n in range(1, missed + 1)][
                -MAX_CATCH_UP_MINUTES:
            ]
        for due in ticks:
            run_due(schedule, now=due if due != tick else clock(), host=host)
        if ticks:
            last = tick
        moment = clock()
        stop.wait(max(60 - moment.second - moment.microsecond / 1_000_000, 0.05))


def _site_is_down() -> bool:
    from scent.ops.maintenance import is_down

    return is_down()


# --- reading -----------------------------------------------------------------------------------
def last_heartbeat() -> datetime | None:
    """When the scheduler last completed its heartbeat job (None if never); /health reads this."""
    return (
        ScheduleRun.objects.filter(job=HEARTBEAT_JOB, status=ScheduleRun.Status.SUCCEEDED)
        .order_by("-tick")
        .values_list("finished_at", flat=True)
        .first()
    )


def last_runs(names: list[str]) -> dict[str, ScheduleRun]:
    """The latest run of each named job (one query per job, on the (job, status, tick) index)."""
    runs = {}
    for name in names:
        run = ScheduleRun.objects.filter(job=name).order_by("-tick").first()
        if run is not None:
            runs[name] = run
    return runs


def prune_runs(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete scheduler run records older than `older_than`; return how many."""
    deleted, _ = (
        ScheduleRun.objects.filter(tick__lt=timezone.now() - older_than)
        .exclude(status=ScheduleRun.Status.RUNNING)  # the overlap guard still needs those
        .delete()
    )
    return deleted
