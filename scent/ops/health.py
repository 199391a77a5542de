"""Deep health checks for /health and `scent health` (the /up probe stays database-free).

Each check returns a dict with "status" ("ok" or "fail") and what it measured; the
overall status fails when any check fails. Thresholds come from HEALTH_* settings.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

OK = "ok"
FAIL = "fail"

Check = Callable[[], dict[str, Any]]


def check_database() -> dict[str, Any]:
    """Run SELECT 1 and time it."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    limit = settings.HEALTH_DB_MAX_MS
    result = {"status": OK, "duration_ms": duration_ms, "vendor": connection.vendor}
    if duration_ms > limit:
        result |= {"status": FAIL, "error": f"SELECT 1 took {duration_ms} ms (limit {limit} ms)"}
    return result


def check_cache() -> dict[str, Any]:
    """Write, read back and delete a random key in the default cache."""
    from django.core.cache import cache

    key = f"health:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    started = time.perf_counter()
    cache.set(key, value, timeout=30)
    read = cache.get(key)
    cache.delete(key)
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    result = {"status": OK, "duration_ms": duration_ms, "driver": settings.CACHE_DRIVER}
    if read != value:
        result |= {"status": FAIL, "error": "value written to the cache could not be read back"}
    return result


def check_queue() -> dict[str, Any]:
    """Count jobs ready to run and measure how long the oldest has been waiting."""
    connection_name = settings.QUEUE_CONNECTION
    if connection_name == "sync":
        return {"status": OK, "connection": "sync", "backlog": 0, "oldest_age_seconds": None}
    if connection_name == "redis":
        backlog, oldest = _redis_queue_backlog()
    else:
        backlog, oldest = _database_queue_backlog()
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
    result: dict[str, Any] = {
        "status": OK,
        "connection": connection_name,
        "backlog": backlog,
        "oldest_age_seconds": max(age, 0.0) if age is not None else None,
    }
    errors = []
    if backlog > settings.HEALTH_QUEUE_MAX_BACKLOG:
        errors.append(f"{backlog} jobs waiting (limit {settings.HEALTH_QUEUE_MAX_BACKLOG})")
    if age is not None and age > settings.HEALTH_QUEUE_MAX_AGE:
        errors.append(
            f"oldest job has waited {age:.0f} s (limit {settings.HEALTH_QUEUE_MAX_AGE} s)"
        )
    if errors:
        result |= {"status": FAIL, "error": "; ".join(errors)}
    return result


def _database_queue_backlog() -> tuple[int, datetime | None]:
    from django.db.models import Count, Min, Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A job without run_after waits since it was enqueued; a delayed one since run_after.
    date_max = get_date_max()
    stats = DBTaskResult.objects.ready().aggregate(
        backlog=Count("id"),
        oldest_enqueued=Min("enqueued_at", filter=Q(run_after=date_max)),
        oldest_due=Min("run_after", filter=~Q(run_after=date_max)),
    )
    candidates = [d for d in (stats["oldest_enqueued"], stats["oldest_due"]) if d is not None]
    return stats["backlog"], min(candidates) if candidates else None


def _redis_queue_backlog() -> tuple[int, datetime | None]:
    import django_rq
    from rq.job import Job

    backlog = 0
    oldest: datetime | None = None
    for name in settings.TASK_QUEUES:
        queue = django_rq.get_queue(name)
        backlog += queue.count
        job_ids = queue.get_job_ids(0, 1)
        if job_ids:
            job = Job.fetch(job_ids[0], connection=queue.connection)
            enqueued = job.enqueued_at
            if enqueued is not None and timezone.is_naive(enqueued):
                enqueued = enqueued.replace(tzinfo=UTC)
            if enqueued is not None and (oldest is None or enqueued < oldest):
                oldest = enqueued
    return backlog, oldest


def check_scheduler() -> dict[str, Any]:
    """How long ago the scheduler last ran (it beats once a minute)."""
    try:
        from scent.ops.scheduler import last_heartbeat
    except ImportError:
        return {"status": FAIL, "error": "the scheduler is not installed"}
    beat = last_heartbeat()
    limit = settings.HEALTH_SCHEDULER_MAX_AGE
    if beat is None:
        return {"status": FAIL, "last_heartbeat": None, "error": "the scheduler has never run"}
    age = round(max((timezone.now() - beat).total_seconds(), 0.0), 1)
    result = {"status": OK, "last_heartbeat": beat.isoformat(), "age_seconds": age}
    if age > limit:
        result |= {"status": FAIL, "error": f"no heartbeat for {age:.0f} s (limit {limit} s)"}
    return result


def check_disk() -> dict[str, Any]:
    """Free space where the shop writes (STORAGE_PATH: logs, media, backups, sqlite)."""
    path = Path(settings.STORAGE_DIR)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free_mb = usage.free // (1024 * 1024)
    free_percent = round(usage.free * 100 / usage.total, 1) if usage.total else 0.0
    result = {"status": OK, "free_mb": free_mb, "free_percent": free_percent}
    if free_mb < settings.HEALTH_DISK_MIN_FREE_MB:
        result |= {
            "status": FAIL,
            "error": f"{free_mb} MB free (minimum {settings.HEALTH_DISK_MIN_FREE_MB} MB)",
        }
    return result


CHECKS: dict[str, Check] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "scheduler": check_scheduler,
    "disk": check_disk,
}


def run_checks() -> dict[str, Any]:
    """Run every check not listed in HEALTH_SKIP; a check that raises counts as failed."""
    from scent.ops.maintenance import is_down

    skipped = set(settings.HEALTH_SKIP)
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name in skipped:
            continue
        try:
            results[name] = check()
        except Exception as exc:  # a broken dependency is exactly what we report
            results[name] = {"status": FAIL, "error": f"{type(exc).__name__}: {exc}"}
    healthy = all(r["status"] == OK for r in results.values())
    try:
        down = is_down()
    except Exception:
        down = None
    return {
        "status": OK if healthy else FAIL,
        "checks": results,
        "maintenance": down,
        "version": settings.APP_VERSION,
        "environment": settings.APP_ENV,
        "checked_at": timezone.now().isoformat(timespec="seconds"),
    }
