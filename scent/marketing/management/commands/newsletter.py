"""`scent newsletter send|status`: mail a newsletter to confirmed subscribers, once.

A letter (template, subject and text) is a campaign: sending the same letter again
continues it, so a run that stopped half-way reaches the rest and a repeated run sends
nothing; `status` shows each campaign's progress."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from scent.marketing import selectors, services
from scent.marketing.models import Campaign, Subscriber


class Command(BaseCommand):
    help = (
        "Send a newsletter to every confirmed subscriber once (one queued e-mail each, with a "
        "one-click unsubscribe link), or show the subscribers and the campaigns' progress."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="send|status")
        send = actions.add_parser(
            "send",
            help="Queue a newsletter to all confirmed subscribers (once per letter).",
            description=(
                "The e-mail is the template emails/<template>/ (subject.txt, body.txt, "
                "body.html); it gets `subject`, `message` and `email`. "
                "emails/newsletter_announcement/ shows --message as paragraphs. "
                "The same template, subject and text again continue the same campaign: "
                "only subscribers it has not reached yet get it (none once it finished)."
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
        actions.add_parser("status", help="Subscribers per status, the latest campaigns.")

    def handle(self, *args, action: str, **options):
        if action == "status":
            counts = dict(
                Subscriber.objects.values_list("status").annotate(n=Count("id")).order_by()
            )
            for status, label in Subscriber._meta.get_field("status").choices:
                self.stdout.write(f"{label}: {counts.get(status, 0)}")
            latest = selectors.campaigns_with_progress(Campaign.objects.order_by("-pk"))[:10]
            for campaign in latest:
                self.stdout.write(self._campaign_line(campaign))
            return
        message = options["message"]
        if options["message_file"] is not None:
            try:
                message = options["message_file"].read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read {options['message_file']}: {error}") from None
        if options["template"] == "newsletter_announcement" and not message.strip():
            raise CommandError("The announcement needs its text: --message or --message-file")
        letter = {
            "subject": options["subject"],
            "template": options["template"],
            "context": {"message": message},
        }
        try:
            if options["dry_run"]:
                self.stdout.write(f"Would queue {self._would_queue(**letter)} e-mails (dry run).")
                return
            campaign = services.campaign_for(**letter)
        except ValueError as error:
            raise CommandError(str(error)) from None
        finished_before = campaign.finished_at is not None
        sent = services.campaign_send(campaign)
        self.stdout.write(f"Queued {sent.queued} e-mails.")
        if finished_before:
            self.stdout.write(
                f"Campaign #{campaign.pk} was sent on {campaign.finished_at:%Y-%m-%d %H:%M} "
                "UTC already; nobody gets it twice. Change the subject or text for a new one."
            )
        elif sent.resumed:
            self.stdout.write(f"Resumed campaign #{campaign.pk} where it had stopped.")
        self.stdout.write(self._campaign_line(campaign))

    def _would_queue(self, *, subject: str, template: str, context: dict) -> int:
        services.newsletter_template_check(template)
        fingerprint = services.campaign_fingerprint(
            subject=subject, template=template, context=context
        )
        campaign = Campaign.objects.filter(fingerprint=fingerprint).first()
        if campaign is None or campaign.started_at is None:
            return selectors.confirmed_subscribers().count()
        return selectors.campaign_progress(campaign).waiting

    def _campaign_line(self, campaign: Campaign) -> str:
        state = (
            "finished"
            if campaign.finished_at
            else "sending (run `send` again to resume)"
            if campaign.started_at
            else "not started"
        )
        progress = selectors.campaign_progress(campaign)
        return f'Campaign #{campaign.pk} "{campaign.subject}": {progress}; {state}.'
