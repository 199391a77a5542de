"""The scheduler in this process, driven minute by minute through fake time."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scent.ops import maintenance, scheduler
from scent.ops.models import ScheduleRun
from scent.ops.scheduler import Schedule, ScheduleError, last_heartbeat
from tests.ops import jobs, schedules

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_schedule(settings):
    settings.SCHEDULE_MODULE = "tests.ops.schedules"
    schedules.calls.clear()
    return schedules.schedule


def minutes(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=n) for n in range(count)]


def cron_loop(start: datetime, count: int) -> dict[str, list[str]]:
    """Call `scent schedule run` once per minute of fake time, as cron would."""
    ran: dict[str, list[str]] = {}
    for now in minutes(start, count):
        before = len(schedules.calls)
        # A failing job makes the command exit non-zero; the loop goes on, like cron.
        with contextlib.suppress(CommandError):
            call_command("schedule", "run", now=now)
        for name in schedules.calls[before:]:
            ran.setdefault(name, []).append(now.strftime("%H:%M"))
    return ran


def test_cron_loop_runs_each_job_at_its_minutes_in_its_timezone(test_schedule):
    # 1 July: Paris is UTC+2, so "0 9 * * *" in Europe/Paris is 07:00 UTC.
    ran = cron_loop(datetime(2026, 7, 1, 6, 55, tzinfo=UTC), 12)

    assert ran["every-two"] == ["06:56", "06:58", "07:00", "07:02", "07:04", "07:06"]
    assert ran["paris-9am"] == ["07:00"]
    assert ran["broken"] == ["07:05"]
    assert len(ran["maintenance-safe"]) == 12
    assert ScheduleRun.objects.filter(status="succeeded").count() == 6 + 1 + 12
    failed = ScheduleRun.objects.get(job="broken")
    assert failed.status == "failed"
    assert "RuntimeError: the backup disk is full" in failed.output


def test_winter_time_moves_the_paris_job_to_eight_utc(test_schedule):
    ran = cron_loop(datetime(2026, 1, 15, 6, 58, tzinfo=UTC), 4)
    assert "paris-9am" not in ran
    ran = cron_loop(datetime(2026, 1, 15, 7, 58, tzinfo=UTC), 4)
    assert ran["paris-9am"] == ["08:00"]


def test_the_same_tick_runs_once_however_often_it_is_asked(test_schedule):
    now = datetime(2026, 7, 1, 7, 2, 30, tzinfo=UTC)
    first = scheduler.run_due(test_schedule, now=now, host="a")
    second = scheduler.run_due(test_schedule, now=now + timedelta(seconds=20), host="b")

    assert {o.job: o.status for o in first} == {
        "every-two": "succeeded",
        "maintenance-safe": "succeeded",
    }
    assert {o.job: o.status for o in second} == {"every-two": "taken", "maintenance-safe": "taken"}
    assert schedules.calls == ["every-two", "maintenance-safe"]


def test_job_is_skipped_while_its_previous_run_is_still_going(test_schedule):
    now = datetime(2026, 7, 1, 7, 3, tzinfo=UTC)
    ScheduleRun.objects.create(
        job="maintenance-safe",
        tick=now - timedelta(minutes=1),
        started_at=now - timedelta(minutes=1),
    )

    [outcome] = scheduler.run_due(test_schedule, now=now)

    assert outcome.status == "skipped"
    assert "previous run is still running" in outcome.output
    assert schedules.calls == []


def test_a_run_stuck_longer_than_the_overlap_expiry_no_longer_blocks(test_schedule):
    now = datetime(2026, 7, 1, 7, 3, tzinfo=UTC)
    ScheduleRun.objects.create(
        job="maintenance-safe", tick=now - timedelta(hours=1), started_at=now - timedelta(hours=1)
    )

    [outcome] = scheduler.run_due(test_schedule, now=now)

    assert outcome.status == "succeeded"


def test_maintenance_mode_skips_jobs_not_marked_for_it(test_schedule):
    maintenance.go_down()
    try:
        outcomes = scheduler.run_due(test_schedule, now=datetime(2026, 7, 1, 7, 2, tzinfo=UTC))
    finally:
        maintenance.go_up()

    assert {o.job: o.status for o in outcomes} == {
        "every-two": "skipped",
        "maintenance-safe": "succeeded",
    }
    assert schedules.calls == ["maintenance-safe"]
    assert "maintenance mode" in ScheduleRun.objects.get(job="every-two").output


def test_failing_job_makes_schedule_run_exit_non_zero(test_schedule):
    with pytest.raises(CommandError, match="failed: broken"):
        call_command("schedule", "run", now=datetime(2026, 7, 1, 7, 5, tzinfo=UTC))
    assert "maintenance-safe" in schedules.calls  # the other due job still ran


def test_schedule_list_shows_expression_next_and_last_run(test_schedule, capsys):
    # Minute 2 of this hour: not minute 5, when the test schedule's "broken" job fails.
    call_command("schedule", "run", now=timezone.now().replace(minute=2))
    capsys.readouterr()

    call_command("schedule", "list")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["JOB", "CRON", "TIMEZONE", "NEXT"]
    paris = next(line for line in lines if line.startswith("paris-9am"))
    assert "0 9 * * *" in paris and "Europe/Paris" in paris and " 09:00 " in paris
    assert "never" in paris
    every_minute = next(line for line in lines if line.startswith("maintenance-safe"))
    assert "succeeded" in every_minute and "in-maintenance" in every_minute


def test_schedule_work_runs_every_minute_until_stopped(test_schedule):
    clock = {"now": datetime(2026, 7, 1, 6, 59, 40, tzinfo=UTC)}

    class FakeTime(threading.Event):
        """wait() moves the fake clock instead of sleeping; stops after five minutes."""

        def wait(self, timeout=None):
            clock["now"] += timedelta(seconds=timeout)
            if clock["now"] > datetime(2026, 7, 1, 7, 5, tzinfo=UTC):
                self.set()
            return self.is_set()

    scheduler.work(test_schedule, stop=FakeTime(), clock=lambda: clock["now"])

    ticks = sorted(
        t.strftime("%H:%M")
        for t in ScheduleRun.objects.filter(job="maintenance-safe").values_list("tick", flat=True)
    )
    assert ticks == ["06:59", "07:00", "07:01", "07:02", "07:03", "07:04", "07:05"]
    assert schedules.calls.count("every-two") == 3  # 07:00, 07:02, 07:04


def test_schedule_work_catches_up_minutes_missed_during_a_long_job(test_schedule):
    clock = {"now": datetime(2026, 7, 1, 7, 0, 1, tzinfo=UTC)}

    class SlowJobThenStop(threading.Event):
        calls = 0

        def wait(self, timeout=None):
            self.calls += 1
            # The first tick's jobs took three minutes; the loop wakes late once.
            clock["now"] += timedelta(minutes=3) if self.calls == 1 else timedelta(seconds=timeout)
            if self.calls == 2:
                self.set()
            return self.is_set()

    scheduler.work(test_schedule, stop=SlowJobThenStop(), clock=lambda: clock["now"])

    ticks = sorted(
        t.strftime("%H:%M")
        for t in ScheduleRun.objects.filter(job="maintenance-safe").values_list("tick", flat=True)
    )
    assert ticks == ["07:00", "07:01", "07:02", "07:03"]


def test_bad_declarations_are_refused_with_the_job_name():
    schedule = Schedule()
    schedule.call(print, cron="* * * * *", name="one")
    with pytest.raises(ScheduleError, match="two scheduled jobs are named 'one'"):
        schedule.call(print, cron="* * * * *", name="one")
    with pytest.raises(ScheduleError, match="'every day' is not a valid cron expression"):
        schedule.call(print, cron="every day", name="two")
    with pytest.raises(ScheduleError, match="unknown timezone 'Mars/Olympus'"):
        schedule.call(print, cron="@daily", name="three", timezone="Mars/Olympus")


def test_bad_now_option_is_a_clear_error():
    with pytest.raises(CommandError, match="not an ISO 8601 time"):
        call_command("schedule", "run", "--now", "yesterday")


# --- the shop's own schedule (scent/ops/schedule.py) --------------------------------------------
def test_shop_schedule_declares_heartbeat_prune_and_sessions():
    jobs_by_name = {job.name: job for job in scheduler.load_schedule().jobs}
    assert {"heartbeat", "queue:prune", "sessions:clear"} <= set(jobs_by_name)
    assert jobs_by_name["heartbeat"].cron == "* * * * *"
    assert jobs_by_name["heartbeat"].even_in_maintenance


def test_heartbeat_is_what_the_health_check_reads():
    assert last_heartbeat() is None
    # 01:01, when the shop's schedule has nothing but the heartbeat to do.
    now = timezone.now().replace(hour=1, minute=1)

    call_command("schedule", "run", now=now)

    beat = last_heartbeat()
    assert beat is not None and beat >= now


def test_nightly_prune_deletes_old_job_results(tmp_path):
    from scent.ops.queue.database import Worker

    jobs.record.enqueue(str(tmp_path / "out"), "old")
    Worker(queue_names=["default"], once=True, interval=0.01).run()
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=2))

    call_command("schedule", "run", now=datetime(2026, 7, 1, 3, 30, tzinfo=UTC))

    assert not DBTaskResult.objects.exists()
    run = ScheduleRun.objects.get(job="queue:prune")
    assert run.status == "succeeded" and "deleted 1 job result(s)" in run.output


def test_nightly_clearsessions_deletes_expired_sessions():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(
        session_key="live", session_data="x", expire_date=now + timedelta(days=1)
    )

    call_command("schedule", "run", now=datetime(2026, 7, 1, 3, 45, tzinfo=UTC))

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert ScheduleRun.objects.get(job="sessions:clear").status == "succeeded"
