"""`scent postdeploy-check URL`: the guide's post-deployment checklist against a live shop."""

from __future__ import annotations

from argparse import SUPPRESS

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scent.ops.postdeploy import run_checklist


class Command(BaseCommand):
    help = (
        "Check a deployed shop the way the deployment guide's checklist does: HTTPS and "
        "its certificate, http->https, APP_DEBUG off, /up and /health, security headers, "
        "browsing a product and adding it to the cart. Prints ✓/✗ per item; exits 1 on any ✗."
    )
    requires_system_checks = []  # it only talks to the site over HTTP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the shop's public address, e.g. https://shop.example.com")
        parser.add_argument(
            "--purchase",
            action="store_true",
            help="also check out: place an order and pay it (Stripe test mode, then refunded; "
            "or the shop's offline test gateway)",
        )
        parser.add_argument(
            "--insecure",
            action="store_true",
            help="accept any certificate (a self-signed test server); the certificate item is skipped",
        )
        parser.add_argument("--cafile", help="trust this CA / self-signed certificate (PEM)")
        parser.add_argument(
            "--http-url",
            help="the plain-http address to test the redirect on (default: http:// + the host, "
            "when the URL has no port)",
        )
        parser.add_argument(
            "--health-token", default="", help="HEALTH_TOKEN, to see which /health check fails"
        )
        parser.add_argument(
            "--min-cert-days",
            type=int,
            default=14,
            help="fail when the certificate expires sooner (default 14)",
        )
        parser.add_argument("--timeout", type=float, default=15, help="seconds per request")
        parser.add_argument(
            "--stripe-secret",
            default="",
            help="for --purchase on a Stripe shop: its test secret key (sk_test_...), used to "
            "pay as Stripe.js would with the test card and to refund",
        )
        parser.add_argument("--stripe-api-base", default="", help=SUPPRESS)
        parser.add_argument("--email", default="", help="e-mail address for the --purchase order")

    def handle(self, *args, **options) -> None:
        url = options["url"]
        if not url.startswith(("https://", "http://")):
            raise CommandError(
                f"{url!r} is not a URL; give the shop's address, e.g. https://shop.example.com"
            )
        report = run_checklist(
            url,
            cafile=options["cafile"],
            insecure=options["insecure"],
            http_url=options["http_url"],
            health_token=options["health_token"],
            min_cert_days=options["min_cert_days"],
            timeout=options["timeout"],
            purchase=options["purchase"],
            stripe_secret=options["stripe_secret"],
            stripe_api_base=options["stripe_api_base"],
            email=options["email"],
        )
        self.stdout.write(f"Post-deployment check of {report.url}")
        if report.version:
            self.stdout.write(f"  version {report.version}")
        for item in report.items:
            self.stdout.write(item.line())
        self.stdout.write(report.summary())
        if report.failed:
            raise SystemExit(1)
