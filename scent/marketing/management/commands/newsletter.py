"""`scent newsletter send|status`: mail a newsletter to confirmed subscribers."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from scent.marketing import services
from scent.marketing.models import Subscriber


class Command(BaseCommand):
    help = (
        "Send a newsletter to every confirmed subscriber (one queued e-mail each, with a "
        "one-click unsubscribe link), or show how many subscribers there are."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="send|status")
        send = actions.add_parser(
            "send",
            help="Queue a newsletter to all confirmed subscribers.",
            description=(
                "The e-mail is the template emails/<template>/ (subject.txt, body.txt, "
                "body.html); it gets `subject`, `message` and `email`. "
                "emails/newsletter_announcement/ shows --message as paragraphs."
            ),
        )
        send.add_argument("--subject", required=True, help="The e-mail's subject line.")
        send.add_argument(
            "--template",
            default="newsletter_announcement",
            help="An e-mail template named newsletter_<something> (default: %(default)s).",
        )
        text = send.add_mutually_exclusive_group()
        text.add_argument("--message", default="", help="The text of the newsletter.")
        text.add_argument("--message-file", type=Path, help="Read the text from this file.")
        send.add_argument(
            "--dry-run", action="store_true", help="Check the template and count; queue nothing."
        )
        actions.add_parser("status", help="Subscribers per status.")

    def handle(self, *args, action: str, **options):
        if action == "status":
            counts = dict(
                Subscriber.objects.values_list("status").annotate(n=Count("id")).order_by()
            )
            for status, label in Subscriber._meta.get_field("status").choices:
                self.stdout.write(f"{label}: {counts.get(status, 0)}")
            return
        message = options["message"]
        if options["message_file"] is not None:
            try:
                message = options["message_file"].read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read {options['message_file']}: {error}") from None
        if options["template"] == "newsletter_announcement" and not message.strip():
            raise CommandError("The announcement needs its text: --message or --message-file")
        try:
            services.newsletter_template_check(options["template"])
            if not options["subject"].strip():
                raise ValueError("A newsletter needs a subject")
            if options["dry_run"]:
                n = services.selectors.confirmed_subscribers().count()
                self.stdout.write(f"Would queue {n} e-mails (dry run).")
                return
            sent = services.send_newsletter(
                subject=options["subject"],
                body_template=options["template"],
                context={"message": message},
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Queued {sent.queued} e-mails.")
