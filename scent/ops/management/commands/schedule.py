from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scent.ops import scheduler


class Command(BaseCommand):
    help = (
        "The scheduler (jobs are declared in scent/ops/schedule.py). `scent schedule run` runs "
        "the jobs due this minute: call it from cron every minute, like Laravel's schedule:run. "
        "`scent schedule work` keeps running and does it every minute (Fly process, Procfile). "
        "`scent schedule list` shows each job, its cron expression, next and last run."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="run|work|list")
        run = actions.add_parser("run", help="Run the jobs due now, then exit.")
        # For tests and for replaying a missed minute: the moment to treat as "now".
        run.add_argument("--now", type=_aware_datetime, help="ISO 8601 time to treat as now.")
        actions.add_parser("work", help="Run due jobs every minute until stopped (SIGTERM).")
        actions.add_parser("list", help="Show the jobs with their next and last runs.")

    def handle(self, *args, **options) -> None:
        try:
            schedule = scheduler.load_schedule()
        except scheduler.ScheduleError as exc:
            raise CommandError(f"the schedule is wrong: {exc}") from exc
        getattr(self, f"_{options['action']}")(schedule, options)

    def _run(self, schedule: scheduler.Schedule, options: dict) -> None:
        outcomes = scheduler.run_due(schedule, now=options.get("now"))
        for outcome in outcomes:
            self.stdout.write(f"{outcome.job}: {outcome.status}")
        if not outcomes:
            self.stdout.write("no job is due this minute")
        failed = [o.job for o in outcomes if o.status == "failed"]
        if failed:
            raise CommandError(f"failed: {', '.join(failed)} (see `scent schedule list`)")

    def _work(self, schedule: scheduler.Schedule, options: dict) -> None:
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            # Finish the jobs of the current minute, then leave the loop.
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stderr.write(f"scheduler working: {len(schedule.jobs)} job(s); SIGTERM stops it")
        scheduler.work(schedule, stop=stop)
        self.stderr.write("scheduler stopped")

    def _list(self, schedule: scheduler.Schedule, options: dict) -> None:
        now = timezone.now()
        last = scheduler.last_runs([job.name for job in schedule.jobs])
        rows = [("JOB", "CRON", "TIMEZONE", "NEXT RUN", "LAST RUN", "RESULT", "FLAGS")]
        for job in schedule.jobs:
            run = last.get(job.name)
            flags = [
                flag
                for flag, on in (
                    ("no-overlap", job.without_overlapping),
                    ("in-maintenance", job.even_in_maintenance),
                )
                if on
            ]
            rows.append(
                (
                    job.name,
                    job.cron,
                    job.zone.key,
                    _local(job.next_run(now), job),
                    _local(run.started_at, job) if run else "never",
                    _result(run) if run else "-",
                    ",".join(flags),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )


def _local(moment: datetime, job: scheduler.ScheduledJob) -> str:
    return moment.astimezone(job.zone).strftime("%Y-%m-%d %H:%M %Z")


def _result(run) -> str:
    if run.status == "skipped":
        return run.output.removeprefix("skipped: ").join(("skipped (", ")"))
    return run.status


def _aware_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
