from __future__ import annotations

import argparse
import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scent.ops.queue import backend_kind


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a number of seconds greater than 0")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a whole number greater than 0")
    return number


class Command(BaseCommand):
    help = (
        "Run background jobs (e-mails, ...) from the queue set by QUEUE_CONNECTION; Laravel's "
        "`php artisan queue:work`. Run it under Supervisor, systemd or a Fly process group. "
        "SIGTERM lets the current job finish, then the worker exits. While the shop is in "
        "maintenance mode (`scent down`) the worker pauses unless started with --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            metavar="NAME",
            help=f"Queue to work on; repeat or separate with commas (default: all: {', '.join(settings.TASK_QUEUES)}).",
        )
        parser.add_argument(
            "--max-tasks", type=_positive_int, help="Exit after running this many jobs."
        )
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs waiting now, then exit."
        )
        parser.add_argument(
            "--force", action="store_true", help="Keep running jobs in maintenance mode."
        )
        parser.add_argument(
            "--sleep",
            type=_positive_float,
            default=1.0,
            help="Seconds to wait between looks at an empty database queue (default 1).",
        )
        parser.add_argument(
            "--heartbeat",
            type=_positive_float,
            default=10.0,
            help="Seconds between heartbeats of a database-queue worker (default 10).",
        )
        parser.add_argument(
            "--stale-after",
            type=_positive_float,
            default=60.0,
            help="A worker silent this many seconds is dead; its job runs again (default 60).",
        )

    def handle(self, *args, **options) -> None:
        queues = _queue_names(options["queues"])
        kind = backend_kind()
        _configure_logging(options["verbosity"])
        if kind == "sync":
            raise CommandError(
                "QUEUE_CONNECTION=sync runs jobs inside the web process; there is nothing for a "
                "worker to do. Set QUEUE_CONNECTION=database (default) or redis."
            )
        if options["stale_after"] <= options["heartbeat"]:
            raise CommandError("--stale-after must be longer than --heartbeat.")
        if kind == "database":
            from scent.ops.queue.database import Worker

            worker = Worker(
                queue_names=queues,
                interval=options["sleep"],
                once=options["once"],
                max_tasks=options["max_tasks"],
                force=options["force"],
                heartbeat=options["heartbeat"],
                stale_after=options["stale_after"],
            )
            worker.configure_signals()
            worker.run()
            return
        self._run_rq(queues, options)

    def _run_rq(self, queues: list[str], options: dict) -> None:
        import django_rq
        from django_rq.utils import reset_db_connections
        from redis.exceptions import ConnectionError as RedisConnectionError

        from scent.ops.queue.rq import ForceWorker, Job, Worker

        try:
            worker = django_rq.get_worker(
                *queues,
                job_class=Job,
                worker_class=ForceWorker if options["force"] else Worker,
            )
            reset_db_connections()
            worker.work(
                burst=options["once"],
                with_scheduler=True,
                max_jobs=options["max_tasks"],
                logging_level="DEBUG" if options["verbosity"] > 1 else "INFO",
            )
        except RedisConnectionError as exc:
            raise CommandError(f"cannot reach Redis at REDIS_URL: {exc}") from exc


def _queue_names(values: list[str] | None) -> list[str]:
    if not values:
        return list(settings.TASK_QUEUES)
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(settings.TASK_QUEUES))
    if unknown:
        raise CommandError(
            f"unknown queue {', '.join(unknown)}; the queues are: {', '.join(settings.TASK_QUEUES)}"
        )
    return names


def _configure_logging(verbosity: int) -> None:
    """Make sure the worker's own lines reach stderr even when LOG_LEVEL is higher."""
    level = logging.WARNING if verbosity == 0 else logging.DEBUG if verbosity > 1 else logging.INFO
    for name in ("scent.queue", "django.tasks", "django_tasks_db"):
        logging.getLogger(name).setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stderr, level=level)
