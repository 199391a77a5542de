"""`scent up`: end maintenance mode (Laravel's `php artisan up`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from scent.ops.maintenance import go_up


class Command(BaseCommand):
    help = "Open the shop again after `scent down` (on every machine within a second)."

    def handle(self, *args, **options):
        if go_up():
            self.stdout.write(self.style.SUCCESS("The shop is now live."))
        else:
            self.stdout.write("The shop was not in maintenance mode.")
