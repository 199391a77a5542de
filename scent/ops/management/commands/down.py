"""`scent down`: put the shop into maintenance mode (Laravel's `php artisan down`)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scent.ops.maintenance import MaintenanceError, go_down, maintenance_state_uncached


class Command(BaseCommand):
    help = (
        "Close the shop for maintenance: every page answers 503 with the maintenance page "
        "(on every machine) until `scent up`. Running it again updates the options. "
        "The worker and scheduler pause while the shop is down."
    )

    def add_arguments(self, parser):
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--secret",
            help="Let yourself in by visiting /<secret> once (sets a bypass cookie for 12 hours).",
        )
        secret.add_argument(
            "--with-secret",
            action="store_true",
            help="Generate a bypass secret and print the address to visit.",
        )
        parser.add_argument(
            "--retry", type=int, help="Send a Retry-After header with this many seconds."
        )
        parser.add_argument(
            "--refresh", type=int, help="Send a Refresh header: browsers reload after N seconds."
        )
        parser.add_argument(
            "--render", metavar="TEMPLATE", help="Show this template instead of maintenance.html."
        )
        parser.add_argument(
            "--redirect", metavar="URL", help="Send every visitor to this path or address."
        )
        parser.add_argument(
            "--status", type=int, default=503, help="HTTP status of the maintenance page (503)."
        )

    def handle(self, *args, **options):
        was_down = maintenance_state_uncached() is not None
        try:
            state = go_down(
                secret=options["secret"],
                with_secret=options["with_secret"],
                status=options["status"],
                retry=options["retry"],
                refresh=options["refresh"],
                redirect=options["redirect"],
                template=options["render"],
            )
        except MaintenanceError as exc:
            raise CommandError(str(exc)) from None
        if was_down:
            self.stdout.write("The shop was already down; maintenance options updated.")
        else:
            self.stdout.write(self.style.WARNING("The shop is now in maintenance mode."))
        if state.secret:
            base = settings.APP_URL or ""
            self.stdout.write(f"Bypass maintenance mode by visiting: {base}/{state.secret}")
