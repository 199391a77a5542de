"""`scent health`: the /health checks from the command line; exit 1 when unhealthy."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from scent.ops.health import OK, run_checks


class Command(BaseCommand):
    help = (
        "Check the database, cache, queue backlog, scheduler heartbeat and disk space; "
        "print the report as JSON and exit 1 if anything is unhealthy."
    )

    def handle(self, *args, **options):
        report = run_checks()
        self.stdout.write(json.dumps(report, indent=2))
        if report["status"] != OK:
            failed = [name for name, r in report["checks"].items() if r["status"] != OK]
            self.stderr.write(f"unhealthy: {', '.join(failed)}")
            raise SystemExit(1)
