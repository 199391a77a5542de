"""`scent seed`: fill the shop with the demo catalogue (and, on request, many more products)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from scent.catalog import demo_data, seeding
from scent.catalog.models import Product
from scent.catalog.seeding import seed_bench_products, seed_demo_catalogue


class Command(BaseCommand):
    help = (
        "Fill the shop with a demo aromatherapy catalogue: "
        f"{len(demo_data.CATEGORIES)} categories, {len(demo_data.MOODS)} moods, "
        f"{len(demo_data.NOTES)} scent notes and {len(demo_data.PRODUCTS)} products with "
        "descriptions, prices, stock and two pictures each. Safe to run again: products are "
        "matched by SKU and updated in place, nothing is duplicated, and products you added "
        "yourself are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the shop already has products (used by 'make run').",
        )
        parser.add_argument(
            "--products",
            type=int,
            default=0,
            metavar="N",
            help="Also add made-up products until there are N of them (SKUs BENCH-0000001 "
            "and up), for load tests: e.g. --products 100000. They share a few pictures. "
            "Running it again with the same N adds nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            metavar="N",
            help="Products written per database transaction with --products (default 2000).",
        )

    def handle(self, *args, **options) -> None:
        bench = options["products"]
        if bench < 0:
            raise CommandError("--products must be 0 or more.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if options["if_empty"] and Product.objects.exists():
            if options["verbosity"]:
                self.stdout.write("The shop already has products; nothing seeded (--if-empty).")
            return
        started = time.monotonic()
        report = seed_demo_catalogue()
        lines = []
        for kind in ("categories", "moods", "notes", "products", "sizes"):
            created, updated = report.created.get(kind, 0), report.updated.get(kind, 0)
            if created or updated:
                lines.append(f"{kind}: {created} created, {updated} updated")
        if report.images_drawn:
            lines.append(f"pictures drawn: {report.images_drawn}")
        if bench:
            with tqdm(
                total=max(0, bench - seeding.bench_product_count()),
                unit=" products",
                desc="Benchmark products",
                disable=options["verbosity"] == 0,
                mininterval=0.5,
            ) as bar:
                try:
                    added, total = seed_bench_products(
                        bench, batch_size=options["batch_size"], progress=bar.update
                    )
                except ValueError as err:
                    raise CommandError(str(err)) from err
            lines.append(f"benchmark products: {added} added, {total} in total")
        if options["verbosity"]:
            summary = "; ".join(lines) if lines else "already up to date, nothing changed"
            self.stdout.write(
                f"Demo catalogue: {summary}. "
                f"The shop has {Product.objects.count()} products "
                f"({time.monotonic() - started:.1f} s)."
            )
