"""The database queue, worked in this process: transactions, retries, failures, recovery, commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scent.ops import maintenance
from scent.ops.models import QueueWorker
from scent.ops.queue import database, prune_results, status
from scent.ops.queue.database import Worker, recover_abandoned_jobs
from tests.ops import jobs

pytestmark = pytest.mark.django_db


def work_off(**options) -> Worker:
    """Run a worker in this process until the queue has nothing ready."""
    worker = Worker(queue_names=["default", "mail"], interval=0.01, once=True, **options)
    worker.run()
    return worker


def fast_forward_retries() -> None:
    """Make every job waiting for its backoff due now (the clock, not the code, is skipped)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_job_enqueued_in_a_rolled_back_transaction_is_never_stored(tmp_path):
    class Cancelled(Exception):
        pass

    with pytest.raises(Cancelled), transaction.atomic():
        jobs.record.enqueue(str(tmp_path / "out"), "rolled back")
        raise Cancelled

    assert DBTaskResult.objects.count() == 0
    work_off()
    assert jobs.lines(tmp_path / "out") == []


def test_committed_job_runs_and_succeeds(tmp_path):
    with transaction.atomic():
        result = jobs.record.enqueue(str(tmp_path / "out"), "hello")

    work_off()

    assert jobs.lines(tmp_path / "out") == ["hello"]
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == "hello"


def test_transient_failure_is_retried_with_backoff_until_it_succeeds(tmp_path):
    out = str(tmp_path / "out")
    result = jobs.flaky.enqueue(out, failures=2)

    before = timezone.now()
    work_off()
    row = DBTaskResult.objects.get()
    # After a transient failure the job waits (run_after) and keeps the error for the admin.
    assert row.status == "READY"
    assert row.run_after >= before + timedelta(seconds=30)
    assert "ConnectionError: server busy on attempt 1" in row.traceback

    for _ in range(2):
        fast_forward_retries()
        work_off()

    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 3
    assert jobs.lines(out) == ["attempt 1", "attempt 2", "attempt 3"]


def test_backoff_delays_the_next_attempt(tmp_path, settings):
    from scent.core.emails import send_email

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            # Port 9 (discard) on loopback: nothing listens, the connection is refused.
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 5},
        }
    }
    before = timezone.now()
    send_email.enqueue(
        to=["ada@example.com"],
        template="password_reset",
        context={
            "reset_url": "https://shop.test/r",
            "valid_minutes": 60,
            "email": "ada@example.com",
        },
        headers={},
    )

    work_off()

    row = DBTaskResult.objects.get()
    assert row.status == "READY"
    assert row.run_after >= before + timedelta(seconds=60)  # the first backoff step
    assert "ConnectionRefusedError" in row.traceback


def test_job_that_keeps_failing_ends_failed_with_its_traceback(tmp_path):
    out = str(tmp_path / "out")
    result = jobs.flaky.enqueue(out, failures=99)

    for _ in range(5):
        work_off()
        fast_forward_retries()

    result.refresh()
    assert result.status == "FAILED"
    assert jobs.lines(out) == ["attempt 1", "attempt 2", "attempt 3"]  # the policy's 3 attempts
    assert result.errors[0].exception_class_path == "builtins.ConnectionError"
    assert "server busy on attempt 3" in result.errors[0].traceback


def test_error_the_policy_does_not_cover_fails_at_once(tmp_path):
    out = str(tmp_path / "out")
    result = jobs.broken.enqueue(out)

    work_off()

    result.refresh()
    assert result.status == "FAILED"
    assert jobs.lines(out) == ["attempt"]
    assert "ValueError: the data is wrong" in result.errors[0].traceback


def test_queue_retry_by_id_runs_a_failed_job_again(tmp_path, capsys):
    out = str(tmp_path / "out")
    failed = jobs.broken.enqueue(out)
    other = jobs.broken.enqueue(out)
    work_off()

    call_command("queue", "retry", failed.id)

    assert "queued 1 failed job(s) again" in capsys.readouterr().out
    assert DBTaskResult.objects.get(pk=failed.id).status == "READY"
    assert DBTaskResult.objects.get(pk=other.id).status == "FAILED"
    work_off()
    assert len(jobs.lines(out)) == 3


def test_queue_retry_all_and_bad_input(tmp_path, capsys):
    out = str(tmp_path / "out")
    for _ in range(3):
        jobs.broken.enqueue(out)
    work_off()

    call_command("queue", "retry", "--all")

    assert "queued 3 failed job(s) again" in capsys.readouterr().out
    assert DBTaskResult.objects.filter(status="READY").count() == 3
    with pytest.raises(CommandError, match="not a job id"):
        call_command("queue", "retry", "nonsense")
    with pytest.raises(CommandError, match="ids of failed jobs, or --all"):
        call_command("queue", "retry")
    with pytest.raises(CommandError, match="unknown queue nope"):
        call_command("queue", "retry", "--all", "--queue", "nope")
    with pytest.raises(CommandError, match="not failed jobs"):
        call_command("queue", "retry", "7c9e6679-7425-40de-944b-e07fc1f90ae7")


def test_queue_status_counts_per_queue_and_state(tmp_path, capsys):
    out = str(tmp_path / "out")
    jobs.record.enqueue(out, "a")
    jobs.broken.enqueue(out)
    work_off()
    jobs.record.enqueue(out, "b")
    jobs.record.using(queue_name="mail").enqueue(out, "c")

    report = status()
    call_command("queue", "status")
    printed = capsys.readouterr().out

    assert report["queues"]["default"] == {"READY": 1, "RUNNING": 0, "SUCCESSFUL": 1, "FAILED": 1}
    assert report["queues"]["mail"]["READY"] == 1
    assert "QUEUE" in printed and "FAILED" in printed
    assert printed.splitlines()[1].split() == ["default", "1", "0", "1", "1"]


def test_prune_deletes_only_old_finished_results(tmp_path):
    out = str(tmp_path / "out")
    for text in ("old", "new"):
        jobs.record.enqueue(out, text)
    jobs.broken.enqueue(out)
    work_off()
    waiting = jobs.record.enqueue(out, "waiting")
    old = timezone.now() - timedelta(days=3)
    DBTaskResult.objects.filter(args_kwargs__args=[out, "old"]).update(finished_at=old)
    DBTaskResult.objects.filter(status="FAILED").update(finished_at=old)

    deleted = prune_results()

    assert deleted == 1  # the 3-day-old success; the failure is kept 7 days
    remaining = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert remaining == ["FAILED", "READY", "SUCCESSFUL"]
    assert DBTaskResult.objects.filter(pk=waiting.id).exists()


def _running_job(tmp_path, *, worker_id: str, started_ago: timedelta, attempts: int = 1):
    result = jobs.record.enqueue(str(tmp_path / "out"), "x")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - started_ago,
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker_id],
    )
    return result


def _worker(worker_id: str, *, seen_ago: timedelta) -> None:
    now = timezone.now()
    QueueWorker.objects.create(
        worker_id=worker_id,
        hostname="h",
        pid=1,
        queues="default",
        started_at=now - timedelta(hours=1),
        last_seen_at=now - seen_ago,
    )


def test_job_of_a_dead_worker_goes_back_to_the_queue(tmp_path):
    _worker("dead", seen_ago=timedelta(minutes=5))
    _worker("alive", seen_ago=timedelta(seconds=1))
    lost = _running_job(tmp_path, worker_id="dead", started_ago=timedelta(minutes=6))
    busy = _running_job(tmp_path, worker_id="alive", started_ago=timedelta(minutes=6))
    # A job claimed by a worker without heartbeat (plain db_worker) a moment ago is left alone.
    fresh = _running_job(tmp_path, worker_id="plain", started_ago=timedelta(minutes=1))

    recovered = recover_abandoned_jobs(stale_after=timedelta(seconds=60))

    assert recovered == 1
    assert DBTaskResult.objects.get(pk=lost.id).status == "READY"
    assert DBTaskResult.objects.get(pk=busy.id).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=fresh.id).status == "RUNNING"
    work_off()
    lost.refresh()
    assert lost.status == "SUCCESSFUL"
    assert lost.attempts == 2


def test_job_that_keeps_killing_its_workers_ends_failed(tmp_path):
    _worker("dead", seen_ago=timedelta(minutes=5))
    poison = _running_job(tmp_path, worker_id="dead", started_ago=timedelta(minutes=6), attempts=3)

    recover_abandoned_jobs(stale_after=timedelta(seconds=60))

    poison.refresh()
    assert poison.status == "FAILED"
    assert poison.errors[0].exception_class_path == "scent.ops.queue.retry.WorkerLost"
    assert "stopped responding during attempt 3 of 3" in poison.errors[0].traceback


def test_worker_waits_in_maintenance_mode_unless_forced(tmp_path):
    out = str(tmp_path / "out")
    jobs.record.enqueue(out, "during maintenance")
    maintenance.go_down()
    try:
        work_off()
        assert jobs.lines(out) == []
        assert DBTaskResult.objects.get().status == "READY"

        work_off(force=True)
        assert jobs.lines(out) == ["during maintenance"]
    finally:
        maintenance.go_up()


def test_worker_registers_and_removes_its_heartbeat_row(tmp_path):
    seen = []

    class Spy(Worker):
        def _loop(self) -> None:
            seen.extend(QueueWorker.objects.values_list("worker_id", flat=True))

    worker = Spy(queue_names=["default"], once=True)
    worker.run()

    assert seen == [worker.worker_id]
    assert not QueueWorker.objects.exists()


def test_worker_command_rejects_bad_options():
    with pytest.raises(CommandError, match="unknown queue nope"):
        call_command("worker", "--queue", "nope", "--once")
    with pytest.raises(CommandError, match="--stale-after must be longer"):
        call_command("worker", "--once", "--heartbeat", "5", "--stale-after", "2")


def test_sync_connection_has_no_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="nothing for a worker to do"):
        call_command("worker", "--once")
    with pytest.raises(CommandError, match="no queue to inspect"):
        call_command("queue", "status")


def test_retry_policy_refuses_nonsense():
    from scent.ops.queue import retry

    with pytest.raises(ValueError, match="at least 1"):
        retry(attempts=0)
    with pytest.raises(ValueError, match="cannot be negative"):
        retry(attempts=2, backoff=(-1,))
    with pytest.raises(TypeError, match="above @task"):
        retry(attempts=2)(print)


def test_worker_status_reports_live_workers():
    _worker("a", seen_ago=timedelta(seconds=1))
    _worker("b", seen_ago=timedelta(minutes=10))
    assert database.status()["workers"] == 1


def test_worker_stops_after_max_tasks(tmp_path):
    out = str(tmp_path / "out")
    for text in ("one", "two"):
        jobs.record.enqueue(out, text)

    worker = Worker(queue_names=["default"], interval=0.01, max_tasks=1)
    worker.run()

    assert jobs.lines(out) == ["one"]
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_worker_that_crashes_hands_its_claimed_job_back(tmp_path):
    result = jobs.record.enqueue(str(tmp_path / "out"), "x")

    class Crashing(Worker):
        def run_task(self, db_task_result) -> None:
            raise RuntimeError("database went away while saving the result")

    with pytest.raises(RuntimeError):
        Crashing(queue_names=["default"], once=True, interval=0.01).run()

    assert status()["queues"]["default"]["READY"] == 1
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
