from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scent.ops.queue import QueueError, backend_kind, prune_results, retry_failed, status


class Command(BaseCommand):
    help = (
        "Look after the job queue. `scent queue status` prints how many jobs each queue holds "
        "in each state; `scent queue retry ID [ID ...]` or `scent queue retry --all` puts "
        "failed jobs back on the queue (Laravel's queue:retry); `scent queue prune` deletes old "
        "finished results (the scheduler does this nightly)."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="status|retry|prune")
        show = actions.add_parser("status", help="Counts per queue and state.")
        show.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        again = actions.add_parser("retry", help="Queue failed jobs again.")
        again.add_argument("ids", nargs="*", metavar="ID", help="Ids of failed jobs.")
        again.add_argument("--all", action="store_true", help="Retry every failed job.")
        again.add_argument("--queue", help="Only failed jobs of this queue.")
        actions.add_parser("prune", help="Delete old finished results now.")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except QueueError as exc:
            raise CommandError(str(exc)) from exc

    def _status(self, options: dict) -> None:
        report = status()
        if options["json"]:
            self.stdout.write(json.dumps({"backend": backend_kind(), **report}))
            return
        states = report["states"]
        width = max([5, *(len(name) for name in report["queues"])])
        self.stdout.write(
            f"{'QUEUE':<{width}}  " + "  ".join(f"{state.upper():>10}" for state in states)
        )
        for name, counts in sorted(report["queues"].items()):
            self.stdout.write(
                f"{name:<{width}}  " + "  ".join(f"{counts.get(s, 0):>10}" for s in states)
            )
        if not report["queues"]:
            self.stdout.write("(no jobs)")
        self.stdout.write(f"workers alive: {report['workers']} ({backend_kind()} queue)")

    def _retry(self, options: dict) -> None:
        if options["all"] == bool(options["ids"]):
            raise CommandError("give the ids of failed jobs, or --all (not both).")
        if options["queue"] and options["queue"] not in settings.TASK_QUEUES:
            raise CommandError(
                f"unknown queue {options['queue']}; the queues are: {', '.join(settings.TASK_QUEUES)}"
            )
        count = retry_failed(ids=None if options["all"] else options["ids"], queue=options["queue"])
        if options["ids"] and count < len(options["ids"]):
            raise CommandError(
                f"queued {count} of {len(options['ids'])} job(s) again; the others are not failed "
                "jobs (see `scent queue status` or the admin)."
            )
        self.stdout.write(f"queued {count} failed job(s) again")

    def _prune(self, options: dict) -> None:
        self.stdout.write(f"deleted {prune_results()} old job result(s)")
