"""`scent backup` and `scent backup list`: database + media in one compressed file."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scent.ops.backups import BackupError, apply_retention, create_backup, list_backups


def _size(size: int | None) -> str:
    if size is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded media files into one compressed file in "
        "BACKUP_PATH (or S3 with BACKUP_DISK=s3), encrypted when BACKUP_PASSPHRASE is set, "
        "then delete old backups (keep BACKUP_KEEP_DAILY daily and BACKUP_KEEP_WEEKLY weekly). "
        "`scent backup list` shows the backups, newest first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            nargs="?",
            choices=["run", "list"],
            default="run",
            help="run (default) or list",
        )
        parser.add_argument("--no-media", action="store_true", help="Back up the database only.")
        parser.add_argument(
            "--no-clean", action="store_true", help="Keep every old backup this time."
        )

    def handle(self, *args, **options):
        if options["action"] == "list":
            return self._list()
        try:
            info = create_backup(include_media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:  # a dump tool failing: say which, exit non-zero
            raise CommandError(f"Backup failed: {exc}") from exc
        lock = " (encrypted)" if info.encrypted else ""
        self.stdout.write(self.style.SUCCESS(f"Backup {info.name}{lock}, {_size(info.size)}."))
        if not options["no_clean"]:
            deleted = apply_retention()
            for backup in deleted:
                self.stdout.write(f"Deleted old backup {backup.name}.")

    def _list(self):
        backups = list_backups()
        if not backups:
            self.stdout.write(f"No backups yet in {self._where()}.")
            return
        self.stdout.write(f"{'NAME':40}  {'CREATED (UTC)':19}  {'SIZE':>9}")
        for backup in backups:
            self.stdout.write(
                f"{backup.name:40}  {backup.created_at:%Y-%m-%d %H:%M:%S}  {_size(backup.size):>9}"
            )

    def _where(self) -> str:
        return "the S3 bucket" if settings.BACKUP_DISK == "s3" else str(settings.BACKUP_PATH)
