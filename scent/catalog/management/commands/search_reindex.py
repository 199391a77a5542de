"""`scent search:reindex`: rewrite every product's search document, rebuild the index and
the "Did you mean" vocabulary (scent.catalog.vocabulary)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from scent.catalog import search
from scent.catalog.models import Product, SearchTerm


class Command(BaseCommand):
    help = "Rebuild the full-text search index of the catalogue (after a bulk change)."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        total = Product.objects.count()
        with tqdm(total=total, desc="Search index", unit=" products", disable=None) as bar:
            written = search.reindex_all(progress=bar.update)
        words = SearchTerm.objects.count()
        self.stdout.write(
            f"Search index rebuilt: {written} products, {words} words for Did you mean, "
            f"in {time.monotonic() - started:.1f} s."
        )
