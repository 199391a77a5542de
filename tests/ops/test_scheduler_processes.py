"""`scent schedule run|work` as real processes sharing one database, as on several machines."""

from __future__ import annotations

import re
import signal
from datetime import UTC, datetime, timedelta

import pytest

from scent.ops.models import ScheduleRun
from scent.ops.scheduler import last_heartbeat, load_schedule
from tests.ops.conftest import wait_until

RESULT = re.compile(r"^([\w:.-]+): (succeeded|failed|skipped|taken)$", re.MULTILINE)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_two_schedulers_started_at_once_never_run_the_same_tick_twice(scent_process):
    # Today (the nightly prune keeps a week of scheduler records, so no older date).
    start = datetime.now(UTC).replace(hour=3, minute=29, second=0, microsecond=0)
    ticks = [start + timedelta(minutes=n) for n in range(3)]  # 03:29, 03:30 (prune), 03:31
    schedule = load_schedule()

    for tick in ticks:
        pair = [scent_process.start("schedule", "run", "--now", tick.isoformat()) for _ in range(2)]
        reports = []
        for process in pair:
            assert process.wait(timeout=120) == 0, scent_process.output(process)
            reports.append(dict(RESULT.findall(scent_process.output(process))))

        due = {job.name for job in schedule.jobs if job.is_due(tick)}
        assert {"heartbeat"} <= due
        for name in due:
            # One scheduler ran it, the other found the tick taken.
            assert sorted(report[name] for report in reports) == ["succeeded", "taken"], name
            assert ScheduleRun.objects.filter(job=name, tick=tick).count() == 1

    assert ScheduleRun.objects.filter(job="heartbeat", status="succeeded").count() == 3
    assert ScheduleRun.objects.filter(job="queue:prune").count() == 1


def test_schedule_work_beats_every_minute_and_stops_on_sigterm(scent_process):
    process = scent_process.start("schedule", "work")

    # The first tick runs at start-up; later ones on each minute boundary.
    wait_until(last_heartbeat, what="the first heartbeat")
    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0, scent_process.output(process)
    assert "scheduler stopped" in scent_process.output(process)
    assert ScheduleRun.objects.filter(job="heartbeat", status="succeeded").count() >= 1
