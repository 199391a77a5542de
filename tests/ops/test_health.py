"""/health and `scent health`: real checks against the real database, cache, queue and disk."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scent.ops import maintenance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "health-token-for-tests-0123456789"


@task()
def ping() -> str:
    return "pong"


@pytest.fixture(autouse=True)
def _health_settings(settings):
    settings.HEALTH_TOKEN = TOKEN
    settings.QUEUE_CONNECTION = "database"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    settings.HEALTH_SKIP = ["scheduler"]  # its own tests below


def details(client, **headers):
    return client.get("/health", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_anonymous_visitors_see_only_the_overall_status(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_token_holder_sees_every_check(client):
    response = details(client)
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    checks = report["checks"]
    assert set(checks) == {"database", "cache", "queue", "disk"}
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["duration_ms"] >= 0
    assert checks["cache"]["status"] == "ok"
    assert checks["queue"] == {
        "status": "ok",
        "connection": "database",
        "backlog": 0,
        "oldest_age_seconds": None,
    }
    assert checks["disk"]["free_mb"] > 0
    assert report["maintenance"] is False


def test_wrong_token_sees_only_the_status(client):
    response = client.get("/health", HTTP_AUTHORIZATION="Bearer nope")
    assert response.json() == {"status": "ok"}


def test_staff_sees_details_customers_do_not(client):
    customer = UserFactory()
    client.force_login(customer)
    assert client.get("/health").json() == {"status": "ok"}
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert "checks" in client.get("/health").json()


def test_queue_backlog_and_oldest_job_age(client, settings):
    # given two jobs waiting, the oldest enqueued 20 minutes ago (limit 15)
    ping.enqueue()
    old = ping.enqueue()
    DBTaskResult.objects.filter(id=old.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=20)
    )
    response = details(client)
    # then /health fails with 503 and says why
    assert response.status_code == 503
    queue = response.json()["checks"]["queue"]
    assert queue["backlog"] == 2
    assert queue["oldest_age_seconds"] >= 20 * 60
    assert queue["status"] == "fail"
    assert "oldest job has waited" in queue["error"]
    assert client.get("/health").json() == {"status": "fail"}


def test_queue_backlog_over_the_limit(client, settings):
    settings.HEALTH_QUEUE_MAX_BACKLOG = 1
    ping.enqueue()
    ping.enqueue()
    queue = details(client).json()["checks"]["queue"]
    assert queue["status"] == "fail"
    assert "2 jobs waiting" in queue["error"]


def test_finished_jobs_are_not_backlog(client):
    result = ping.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(status="SUCCESSFUL")
    assert details(client).json()["checks"]["queue"]["backlog"] == 0


def test_low_disk_space_fails(client, settings):
    settings.HEALTH_DISK_MIN_FREE_MB = 10**12
    response = details(client)
    assert response.status_code == 503
    assert "MB free" in response.json()["checks"]["disk"]["error"]


def test_unreachable_cache_fails(client, settings):
    # given a Redis cache on a port where nothing listens
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
    response = details(client)
    assert response.status_code == 503
    cache = response.json()["checks"]["cache"]
    assert cache["status"] == "fail"
    assert "Connection" in cache["error"] or "connect" in cache["error"]


@pytest.mark.redis
def test_redis_queue_backlog(client, settings):
    import django_rq

    settings.QUEUE_CONNECTION = "redis"
    settings.RQ_QUEUES = {
        name: {"URL": "redis://127.0.0.1:6379/11", "DEFAULT_TIMEOUT": 60}
        for name in settings.TASK_QUEUES
    }
    # autocommit: enqueue now, not when the test transaction (never) commits
    queue = django_rq.get_queue("default", commit_mode="auto")
    queue.empty()
    try:
        queue.enqueue("scent.ops.health.check_disk")
        queue.enqueue("scent.ops.health.check_disk")
        check = details(client).json()["checks"]["queue"]
        assert check["connection"] == "redis"
        assert check["backlog"] == 2
        assert check["oldest_age_seconds"] is not None
        assert check["status"] == "ok"
    finally:
        queue.empty()


def test_health_still_answers_during_maintenance(client):
    maintenance.go_down()
    try:
        assert client.get("/").status_code == 503
        response = details(client)
        assert response.status_code == 200
        assert response.json()["maintenance"] is True
    finally:
        maintenance.go_up()


def test_health_command_prints_json_and_exits_1_when_unhealthy(settings):
    out = StringIO()
    call_command("health", stdout=out)
    assert json.loads(out.getvalue())["status"] == "ok"
    settings.HEALTH_DISK_MIN_FREE_MB = 10**12
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("health", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert json.loads(out.getvalue())["checks"]["disk"]["status"] == "fail"
    assert "unhealthy: disk" in err.getvalue()


def test_post_is_not_allowed(client):
    assert client.post("/health").status_code == 405


def test_scheduler_heartbeat(client, settings):
    from scent.ops.models import ScheduleRun

    settings.HEALTH_SKIP = []
    # given a scheduler that has never run, /health fails
    response = details(client)
    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"]["error"] == "the scheduler has never run"
    # when the real scheduler runs its minute (the heartbeat job is due every minute)
    call_command("schedule", "run", stdout=StringIO(), stderr=StringIO())
    scheduler = details(client).json()["checks"]["scheduler"]
    assert scheduler["status"] == "ok"
    assert scheduler["age_seconds"] < settings.HEALTH_SCHEDULER_MAX_AGE
    # when the scheduler then stops beating for 10 minutes, /health fails again
    ScheduleRun.objects.filter(job="heartbeat").update(
        finished_at=timezone.now() - timedelta(minutes=10)
    )
    response = details(client)
    assert response.status_code == 503
    assert "no heartbeat for" in response.json()["checks"]["scheduler"]["error"]
