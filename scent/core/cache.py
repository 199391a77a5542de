"""The database cache needs its table; create it on every migrate (idempotent)."""

from typing import Any

from django.core.management import call_command


def create_cache_table(*, using: str = "default", verbosity: int = 1, **_: Any) -> None:
    """Create the database cache table after migrations, so `scent migrate` is all a release runs."""
    call_command("createcachetable", database=using, verbosity=0)
