"""Backup → wipe → restore on a real populated shop; every table compared row for row.

Each engine gets its own throw-away database, driven through the `scent` command exactly
as an operator would: migrate, populate (tests/factories.py), `scent backup`, drop the
database and the media files, `scent restore --noinput`, compare.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENT = str(Path(sys.executable).parent / "scent")

pytestmark = [pytest.mark.slow]

POPULATE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from tests.factories import (
    AddressFactory, MoodFactory, NoteFactory, ProductFactory, ProductImageFactory, UserFactory,
)
calm = MoodFactory(name="Calm")
sleep = MoodFactory(name="Sleep")
for i in range(12):
    product = ProductFactory(
        name=f"Lavender Oil {i} \u2013 «Ruhe» 🌿", price=1250 + i, moods=[calm, sleep] if i % 2 else [calm]
    )
    if i < 3:
        ProductImageFactory(product=product)
for i in range(5):
    AddressFactory(user=UserFactory(email=f"buyer{i}@example.com"))
UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
default_storage.save("invoices/2026/INV-0001.txt", ContentFile(b"paid in full\\n"))
print("populated")
"""

SNAPSHOT = """
import json
from django.db import connection
tables = sorted(connection.introspection.table_names())
snapshot = {}
with connection.cursor() as cursor:
    for table in tables:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        snapshot[table] = sorted(repr(tuple(row)) for row in cursor.fetchall())
print("SNAPSHOT" + json.dumps(snapshot))
"""


def _engine_env(engine: str, tmp: Path) -> tuple[dict[str, str], callable]:
    """Environment for a fresh database of `engine`, and a function that wipes it."""
    name = f"scent_ops_bk_{uuid.uuid4().hex[:10]}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DB_", "DATABASE_", "PYTEST", "BACKUP_", "MAINTENANCE_"))
    }
    env |= {
        "APP_ENV": "local",
        "APP_ENV_FILE": str(tmp / "no.env"),
        "STORAGE_PATH": str(tmp / "storage"),
        "BACKUP_PATH": str(tmp / "backups"),
        "CACHE_DRIVER": "locmem",
        "QUEUE_CONNECTION": "database",
        "MAINTENANCE_DRIVER": "database",
        "LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),  # the populate script imports tests.factories
    }
    if engine == "mariadb":
        env |= {"DB_CONNECTION": "mariadb", "DB_DATABASE": name, "DB_USERNAME": "root"}

        def sql(statement: str) -> None:
            subprocess.run(["mysql", "-h127.0.0.1", "-uroot", "-e", statement], check=True)

        sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")

        def wipe() -> None:
            sql(f"DROP DATABASE {name}")
            sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")

        def drop() -> None:
            sql(f"DROP DATABASE IF EXISTS {name}")

    elif engine == "pgsql":
        env |= {"DB_CONNECTION": "pgsql", "DB_DATABASE": name, "DB_USERNAME": "postgres"}
        base = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["createdb", *base, name], check=True)

        def wipe() -> None:
            subprocess.run(["dropdb", *base, name], check=True)
            subprocess.run(["createdb", *base, name], check=True)

        def drop() -> None:
            subprocess.run(["dropdb", *base, "--if-exists", name], check=True)

    else:
        database = tmp / "shop.sqlite3"
        env |= {"DB_CONNECTION": "sqlite", "DB_DATABASE": str(database)}

        def wipe() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)

        def drop() -> None:
            wipe()

    return env, wipe, drop


def _scent(env, *args, input_text=None):
    result = subprocess.run(
        [SCENT, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=input_text,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"scent {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _snapshot(env, before: str = "") -> dict[str, list[str]]:
    out = _scent(env, "shell", "-c", before + SNAPSHOT).stdout
    return json.loads(out.split("SNAPSHOT", 1)[1])


def _media(tmp: Path) -> dict[str, str]:
    root = tmp / "storage" / "app" / "public"
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    ("engine", "encrypted"),
    [
        pytest.param("mariadb", True, marks=pytest.mark.mariadb, id="mariadb-encrypted"),
        pytest.param("pgsql", False, marks=pytest.mark.postgres, id="postgres-plain"),
        pytest.param("sqlite", False, id="sqlite-plain"),
    ],
)
def test_backup_wipe_restore_gives_back_every_row_and_file(engine, encrypted, tmp_path):
    env, wipe, drop = _engine_env(engine, tmp_path)
    if encrypted:
        env["BACKUP_PASSPHRASE"] = "correct horse battery staple"
    try:
        # given a populated shop with product pictures and other media files
        _scent(env, "migrate", "--noinput")
        before = _snapshot(env, POPULATE)
        media_before = _media(tmp_path)
        assert len(before["catalog_product"]) == 12
        assert len(before["accounts_user"]) == 6
        assert any(name.startswith("invoices/") for name in media_before)
        assert sum(1 for name in media_before if name.startswith("products/")) >= 3

        # when the operator backs up (release v41)
        out = _scent({**env, "APP_VERSION": "v41"}, "backup").stdout
        assert "Backup scent-" in out
        listing = _scent(env, "backup", "list").stdout
        (name,) = [line.split()[0] for line in listing.splitlines()[1:]]
        assert name.endswith(".tar.gz.enc" if encrypted else ".tar.gz")
        backup_file = tmp_path / "backups" / name
        if encrypted:
            # the stored file does not contain readable data
            raw = backup_file.read_bytes()
            assert b"boss@example.com" not in raw and raw.startswith(b"SCENTBK1")

        # and everything is lost
        wipe()
        for path in (tmp_path / "storage" / "app" / "public").rglob("*"):
            if path.is_file():
                path.unlink()
        assert _media(tmp_path) == {}

        # then `scent restore` brings back every row of every table and every file,
        # and leaves the shop out of maintenance mode
        restored = _scent({**env, "APP_VERSION": "v42"}, "restore", "--noinput").stdout
        assert f"Restored {name}" in restored
        # (made by another release: the operator is told to migrate)
        assert "made by version v41 (this is v42): run `scent migrate`" in restored
        after = _snapshot(env, "from scent.ops.maintenance import is_down\nassert not is_down()\n")
        assert sorted(after) == sorted(before)
        for table in before:
            assert after[table] == before[table], f"table {table} differs after restore"
        assert _media(tmp_path) == media_before
    finally:
        drop()
