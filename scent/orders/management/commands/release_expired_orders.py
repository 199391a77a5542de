from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scent.orders.services import release_expired_orders


class Command(BaseCommand):
    help = (
        "Cancel orders left unpaid for longer than PENDING_ORDER_TIMEOUT minutes and put "
        "their items back in stock. The scheduler runs this every five minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=None,
            help=f"Age in minutes after which an unpaid order expires "
            f"(default: PENDING_ORDER_TIMEOUT, now {settings.PENDING_ORDER_TIMEOUT}).",
        )

    def handle(self, *args, minutes=None, **options):
        minutes = settings.PENDING_ORDER_TIMEOUT if minutes is None else minutes
        if minutes < 1:
            raise CommandError("--minutes must be at least 1.")
        released = release_expired_orders(older_than=timedelta(minutes=minutes))
        self.stdout.write(f"Released {released} unpaid order(s) older than {minutes} minutes.")
