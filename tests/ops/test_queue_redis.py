"""QUEUE_CONNECTION=redis against the real Redis (database 7) with real `scent worker` processes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import django_rq
import pytest
from django.db import transaction
from django.tasks import Task, TaskResult, task, task_backends
from django.tasks.signals import task_enqueued
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from scent.core.emails import queue_email, render_email
from scent.ops import maintenance
from tests.ops import jobs
from tests.ops.conftest import REDIS_TEST_URL, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # One Redis database for all xdist workers: the redis_queue fixture makes them take turns.
    pytest.mark.xdist_group("redis-queue"),
]

REDIS_ENV = {"QUEUE_CONNECTION": "redis", "REDIS_URL": REDIS_TEST_URL}


def queue(name: str = "default"):
    return django_rq.get_queue(name)


def result_of(enqueued: TaskResult) -> TaskResult:
    return task_backends["default"].get_result(enqueued.id)


def test_rq_backend_speaks_django_builtin_tasks(redis_queue, tmp_path):
    seen = []

    def on_enqueued(sender, task_result, **kwargs):
        seen.append(task_result)

    task_enqueued.connect(on_enqueued)
    try:
        declared = task(jobs.record.func)  # a task declared while QUEUE_CONNECTION=redis
        result = jobs.record.enqueue(str(tmp_path / "out"), "x")
    finally:
        task_enqueued.disconnect(on_enqueued)

    assert type(declared) is Task
    assert isinstance(result, TaskResult)
    assert [r.id for r in seen] == [result.id]
    assert isinstance(result_of(result), TaskResult)
    assert result_of(result).status == "READY"


def test_rolled_back_job_never_reaches_redis_and_committed_one_runs(
    redis_queue, scent_process, tmp_path
):
    out = str(tmp_path / "out")
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.record.enqueue(out, "rolled back")
        raise RuntimeError("payment declined")
    assert queue().count == 0
    with transaction.atomic():
        committed = jobs.record.enqueue(out, "committed")
        assert queue().count == 0  # not before the commit
    assert queue().count == 1

    code, output = scent_process.run("worker", "--once", env=REDIS_ENV)

    assert code == 0, output
    assert jobs.lines(out) == ["committed"]
    finished = result_of(committed)
    assert finished.status == "SUCCESSFUL"
    assert finished.return_value == "committed"


def test_transient_failure_waits_its_backoff_then_succeeds(redis_queue, scent_process, tmp_path):
    out = str(tmp_path / "out")
    result = jobs.flaky.enqueue(out, failures=1)

    code, output = scent_process.run("worker", "--once", env=REDIS_ENV)
    assert code == 0, output
    scheduled = ScheduledJobRegistry(queue=queue())
    assert scheduled.get_job_ids() == [result.id]  # waiting 30s: the policy's first backoff
    assert jobs.lines(out) == ["attempt 1"]

    # Skip the wait (the clock, not the code): queue the job now.
    job = queue().fetch_job(result.id)
    scheduled.remove(job)
    queue().enqueue_job(job)
    code, output = scent_process.run("worker", "--once", env=REDIS_ENV)

    assert code == 0, output
    assert jobs.lines(out) == ["attempt 1", "attempt 2"]
    assert result_of(result).status == "SUCCESSFUL"
    assert result_of(result).attempts == 2


def test_permanent_failure_fails_at_once_and_queue_retry_runs_it_again(
    redis_queue, scent_process, tmp_path
):
    out = str(tmp_path / "out")
    result = jobs.broken.enqueue(out)

    scent_process.run("worker", "--once", env=REDIS_ENV)

    failed = result_of(result)
    assert failed.status == "FAILED"
    assert "ValueError: the data is wrong" in failed.errors[-1].traceback
    assert jobs.lines(out) == ["attempt"]
    code, output = scent_process.run("queue", "status", "--json", env=REDIS_ENV)
    report = json.loads(output.strip().splitlines()[-1])
    assert report["backend"] == "redis"
    assert report["queues"]["default"]["failed"] == 1

    code, output = scent_process.run("queue", "retry", "--all", env=REDIS_ENV)
    assert code == 0 and "queued 1 failed job(s) again" in output
    assert FailedJobRegistry(queue=queue()).count == 0
    scent_process.run("worker", "--once", env=REDIS_ENV)

    assert jobs.lines(out) == ["attempt", "attempt"]


def test_sigterm_lets_the_current_redis_job_finish(redis_queue, scent_process, tmp_path):
    out = str(tmp_path / "out")
    result = jobs.wait_for_release.enqueue(out)
    worker = scent_process.start("worker", env=REDIS_ENV)
    wait_until(lambda: jobs.lines(out), what="the worker to start the job")

    worker.send_signal(signal.SIGTERM)  # the worker only; its work horse finishes the job
    Path(out + ".release").touch()

    assert worker.wait(timeout=60) == 0, scent_process.output(worker)
    assert result_of(result).status == "SUCCESSFUL"
    assert jobs.lines(out)[-1].startswith("done attempt=1")


def test_mail_through_redis_worker_to_real_smtp(redis_queue, scent_process, smtp_server):
    with transaction.atomic():
        queue_email(
            to=["grace@example.com"],
            template="password_reset",
            context={
                "email": "grace@example.com",
                "reset_url": "https://shop.test/reset/x/",
                "valid_minutes": 60,
            },
        )

    code, output = scent_process.run(
        "worker",
        "--queue",
        "mail",
        "--once",
        env={
            **REDIS_ENV,
            "MAIL_MAILER": "smtp",
            "MAIL_HOST": smtp_server.host,
            "MAIL_PORT": str(smtp_server.port),
        },
    )

    assert code == 0, output
    [message] = smtp_server.messages
    assert message["To"] == "grace@example.com"
    assert message["Subject"] == render_email("password_reset", {})[0]
    assert message.get_body(preferencelist=("html",)) is not None


def test_job_of_a_killed_redis_worker_runs_again(redis_queue, scent_process, tmp_path):
    out = str(tmp_path / "out")
    result = jobs.wait_for_release.enqueue(out)
    first = scent_process.start("worker", env=REDIS_ENV)
    wait_until(lambda: jobs.lines(out), what="the first worker to start the job")

    # A lost machine: the worker and its work horse (RQ runs the job in a forked child in
    # a process group of its own, whose pid the job wrote down) die with no goodbye.
    # The worker goes first: killed after its horse, it could still see the horse die and
    # retry the job itself, which is a different path (the test then raced it).
    horse = int(jobs.lines(out)[0].rsplit("pid=", 1)[1])
    os.killpg(first.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    first.wait(timeout=30)
    Path(out + ".release").touch()
    # RQ declares the job abandoned when its execution heartbeat expires (60s after the kill).
    started = StartedJobRegistry(queue=queue())
    wait_until(lambda: started.get_expired_job_ids(), timeout=100, what="the heartbeat to expire")
    code, output = scent_process.run("worker", "--once", env=REDIS_ENV)

    assert code == 0, output
    finished = result_of(result)
    assert finished.status == "SUCCESSFUL"
    assert finished.attempts == 2
    lines = jobs.lines(out)
    assert lines[0].startswith("start attempt=1") and lines[-1].startswith("done attempt=2")


def test_redis_worker_pauses_in_maintenance_mode_unless_forced(
    redis_queue, scent_process, settings, tmp_path
):
    settings.MAINTENANCE_DRIVER = "database"
    out = str(tmp_path / "out")
    jobs.record.enqueue(out, "hello")
    maintenance.go_down()

    code, output = scent_process.run("worker", "--once", env=REDIS_ENV)
    assert code == 0, output
    assert jobs.lines(out) == []
    assert queue().count == 1

    code, output = scent_process.run("worker", "--once", "--force", env=REDIS_ENV)
    assert code == 0, output
    assert jobs.lines(out) == ["hello"]
