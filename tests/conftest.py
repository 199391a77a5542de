"""Fixtures shared by the whole suite.

The database under test is chosen by DB_CONNECTION (the Makefile runs the suite on
SQLite, then on MariaDB); each xdist worker gets its own test database.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a file (one per process) rather than shared-cache memory.

    Threads in transactional tests (the stock race tests) then wait for SQLite's write
    lock, as in production, instead of failing with "database table is locked".
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"scent-test-{os.getpid()}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated files go to a per-test directory, never to storage/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    """Tests that don't ask for a specific cache get an isolated in-memory one."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    from django.core.cache import cache, caches

    cache.clear()
    caches["pages"].clear()  # shared storefront pages live in each process's memory


@pytest.fixture(autouse=True)
def _maintenance_file_in_tmp(settings, tmp_path):
    """Maintenance state in a per-test file: no extra query per request, no leak between tests.

    Tests of the database and cache drivers (tests/ops) switch MAINTENANCE_DRIVER themselves.
    """
    settings.MAINTENANCE_DRIVER = "file"
    settings.MAINTENANCE_FILE = tmp_path / "framework" / "down"
