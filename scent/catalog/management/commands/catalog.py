"""`scent catalog export|import`: the catalogue as CSV, one row per size.

The columns and rules are in scent.catalog.transfer (and in `scent catalog --help`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scent.catalog.transfer import (
    COLUMN_HELP,
    REQUIRED_COLUMNS,
    export_catalogue,
    import_catalogue,
)


def _columns_help() -> str:
    return "\n".join(
        f"  {name:<18} {'(required) ' if name in REQUIRED_COLUMNS else ''}{text}"
        for name, text in COLUMN_HELP.items()
    )


class _Text:
    """The command's stdout as a plain file for csv.writer (no added line endings)."""

    def __init__(self, out) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = (
        "The catalogue as a CSV file, one row per size. `scent catalog export [--output FILE]` "
        "writes every product's sizes (to stdout by default); `scent catalog import FILE "
        "[--dry-run]` matches sizes by SKU and products by slug, updates them, adds new ones, "
        "and leaves sizes not in the file alone. Every row is checked first: one error and "
        "nothing is written. Stock in the file replaces the stored count and is recorded as "
        "a 'Catalogue import' stock movement."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = (
            "Columns (header row required, any order; an empty cell leaves the stored value "
            "alone, except compare_at_price, where it means none):\n" + _columns_help()
        )
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        out = actions.add_parser("export", help="Write the catalogue as CSV.")
        out.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )
        read = actions.add_parser(
            "import",
            help="Read a catalogue CSV (see the columns below).",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog="Columns:\n" + _columns_help(),
        )
        read.add_argument("file", metavar="FILE", help="The CSV file (UTF-8); - for stdin.")
        read.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, without writing anything.",
        )

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _export(self, options: dict) -> None:
        if not options["output"]:
            export_catalogue(_Text(self.stdout))
            return
        path = Path(options["output"])
        try:
            with path.open("w", encoding="utf-8", newline="") as fh:
                count = export_catalogue(fh)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(f"Exported {count} size(s) to {path}.")

    def _import(self, options: dict) -> None:
        name = options["file"]
        if name == "-":
            report = import_catalogue(
                sys.stdin.buffer.read(), dry_run=options["dry_run"], name="stdin"
            )
        else:
            path = Path(name)
            try:
                with path.open("rb") as fh:
                    report = import_catalogue(fh, dry_run=options["dry_run"], name=path.name)
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
        # A dry run is for seeing what would change; after an import, ask with -v 2.
        if options["verbosity"] > (0 if options["dry_run"] else 1):
            for change in report.changes:
                self.stdout.write(f"  {change}")
