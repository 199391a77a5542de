"""`scent migrate` alone prepares the database cache (CACHE_DRIVER=database, the default).

Django's test runner creates the cache table itself when it builds the test database, so
this is checked on a database that only `scent migrate` has seen, as in a release.
"""

from __future__ import annotations

import sqlite3

from tests.ops.prod_server import production_env, scent


def test_migrate_alone_creates_the_database_cache_table(tmp_path):
    # given a production machine with a new, empty database and the database cache
    env = production_env(tmp_path, CACHE_DRIVER="database")
    # when the release runs its one database step
    scent(env, "migrate", "--noinput")
    # then the cache table is there (password reset throttling, the dashboard use it)
    with sqlite3.connect(env["DB_DATABASE"]) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "scent_cache" in tables
