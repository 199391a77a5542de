"""`scent restore [NAME]`: put a backup back (the latest when no name is given)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from scent.ops.backups import BackupError, list_backups, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup (the latest when NAME is "
        "omitted; see `scent backup list`). The shop is in maintenance mode meanwhile. "
        "Asks for confirmation unless --noinput."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Backup file name (default: the latest).")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")

    def handle(self, *args, **options):
        backups = list_backups()
        if not backups:
            raise CommandError("There are no backups to restore.")
        name = options["name"] or backups[0].name
        if options["interactive"]:
            database = connections["default"].settings_dict["NAME"]
            answer = input(
                f"This replaces the database {database} "
                f"{'' if options['no_media'] else 'and every media file '}"
                f"with {name}. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            info = restore_backup(name, include_media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {info.name}."))
        if info.app_version and info.app_version != settings.APP_VERSION:
            self.stdout.write(
                f"The backup was made by version {info.app_version} (this is "
                f"{settings.APP_VERSION}): run `scent migrate` to bring its tables up to date."
            )
