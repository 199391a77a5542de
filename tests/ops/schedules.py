"""A schedule for the scheduler tests (SCHEDULE_MODULE=tests.ops.schedules)."""

from __future__ import annotations

from datetime import timedelta

from scent.ops.scheduler import Schedule

calls: list[str] = []


def every_two_minutes() -> str:
    calls.append("every-two")
    return "ran"


def paris_morning() -> None:
    calls.append("paris-9am")


def broken() -> None:
    calls.append("broken")
    raise RuntimeError("the backup disk is full")


def maintenance_safe() -> None:
    calls.append("maintenance-safe")


schedule = Schedule()
schedule.call(every_two_minutes, cron="*/2 * * * *", name="every-two")
schedule.call(paris_morning, cron="0 9 * * *", name="paris-9am", timezone="Europe/Paris")
schedule.call(broken, cron="5 * * * *", name="broken")
schedule.call(
    maintenance_safe,
    cron="* * * * *",
    name="maintenance-safe",
    even_in_maintenance=True,
    overlap_expires=timedelta(minutes=30),
)
