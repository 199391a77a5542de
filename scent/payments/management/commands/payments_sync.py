from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from scent.payments.services import sync_open_payments


class Command(BaseCommand):
    help = (
        "Ask Stripe about card payments of unpaid orders that never reported back (a missed "
        "webhook, a closed browser tab) and mark the orders paid that were paid. Safe to run "
        "any time and as often as you like: an order is marked paid and e-mailed only once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=5,
            help="Only check payments started at least this many minutes ago (default 5), "
            "so shoppers still on the pay page are left alone.",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=3,
            help="Ignore payments started more than this many days ago (default 3).",
        )

    def handle(self, *args, minutes: int, days: int, **options):
        if minutes < 0 or days < 1:
            raise CommandError("--minutes must be 0 or more and --days at least 1.")
        outcomes = sync_open_payments(
            older_than=timedelta(minutes=minutes), newer_than=timedelta(days=days)
        )
        checked = sum(outcomes.values())
        self.stdout.write(
            f"Checked {checked} open card payment(s): {outcomes['paid']} paid, "
            f"{outcomes['failed']} failed, {outcomes['open']} still open, "
            f"{outcomes['error']} could not be checked."
        )
        if outcomes["error"]:
            raise CommandError(
                f"Stripe could not be asked about {outcomes['error']} payment(s); see the log "
                "and check STRIPE_SECRET and the network, then run this again."
            )
