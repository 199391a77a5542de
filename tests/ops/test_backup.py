"""Backups: archive contents, encryption, retention and the commands' guard rails."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from scent.ops import backups
from scent.ops.backups import (
    BackupError,
    BackupInfo,
    apply_retention,
    create_backup,
    decrypt_file,
    encrypt_file,
    list_backups,
    restore_backup,
    select_for_deletion,
)
from tests.factories import ProductFactory

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def backup_dir(settings, tmp_path):
    path = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        "dbbackup": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": path},
        },
    }
    settings.BACKUP_PASSPHRASE = ""
    settings.BACKUP_NAME = "scent"
    return path


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


@pytest.mark.django_db(transaction=True)
def test_backup_holds_database_media_and_manifest(backup_dir, settings):
    # given a shop with a product and two media files
    ProductFactory(name="Bergamot")
    default_storage.save("products/bergamot.jpg", ContentFile(b"\xff\xd8jpeg"))
    default_storage.save("invoices/INV-1.txt", ContentFile(b"paid"))
    # when it is backed up
    info = create_backup(now=datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    # then one compressed file holds the dump, the media and a manifest
    assert info.name == "scent-20260301-020000.tar.gz"
    assert not info.encrypted
    members = _members(backup_dir / info.name)
    manifest = json.loads(members["manifest.json"])
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["file"] in members
    assert members[manifest["database"]["file"]]  # a non-empty dump
    assert members["media/products/bergamot.jpg"] == b"\xff\xd8jpeg"
    assert members["media/invoices/INV-1.txt"] == b"paid"
    assert manifest["media_files"] == 2
    assert [b.name for b in list_backups()] == [info.name]


@pytest.mark.django_db(transaction=True)
def test_backup_without_media(backup_dir):
    default_storage.save("products/x.jpg", ContentFile(b"x"))
    info = create_backup(include_media=False)
    assert not [m for m in _members(backup_dir / info.name) if m.startswith("media/")]


@pytest.mark.django_db(transaction=True)
def test_encrypted_backup_is_unreadable_without_the_passphrase(backup_dir, settings, tmp_path):
    settings.BACKUP_PASSPHRASE = PASSPHRASE
    default_storage.save("secret-recipe.txt", ContentFile(b"lavender 3 drops"))
    info = create_backup()
    assert info.name.endswith(".tar.gz.enc")
    raw = (backup_dir / info.name).read_bytes()
    assert b"lavender 3 drops" not in raw
    with pytest.raises(tarfile.ReadError), tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz"):
        pass
    # with the passphrase it opens
    plain = tmp_path / "plain.tar.gz"
    decrypt_file(backup_dir / info.name, plain, PASSPHRASE)
    assert _members(plain)["media/secret-recipe.txt"] == b"lavender 3 drops"


def test_encryption_rejects_wrong_passphrase_and_tampering(tmp_path):
    source = tmp_path / "data"
    source.write_bytes(b"x" * 3_000_000)  # several chunks
    sealed = tmp_path / "data.enc"
    encrypt_file(source, sealed, PASSPHRASE)
    opened = tmp_path / "data.out"
    decrypt_file(sealed, opened, PASSPHRASE)
    assert opened.read_bytes() == source.read_bytes()

    with pytest.raises(BackupError, match="wrong BACKUP_PASSPHRASE"):
        decrypt_file(sealed, tmp_path / "wrong", "not the passphrase")
    assert not (tmp_path / "wrong").exists()  # no unauthenticated plaintext left behind

    tampered = bytearray(sealed.read_bytes())
    tampered[100_000] ^= 0x01
    (tmp_path / "tampered.enc").write_bytes(bytes(tampered))
    with pytest.raises(BackupError, match="damaged"):
        decrypt_file(tmp_path / "tampered.enc", tmp_path / "t.out", PASSPHRASE)

    (tmp_path / "short.enc").write_bytes(sealed.read_bytes()[:20])
    with pytest.raises(BackupError, match="truncated"):
        decrypt_file(tmp_path / "short.enc", tmp_path / "s.out", PASSPHRASE)


def _series(start: datetime, days: int, per_day: int = 4) -> list[BackupInfo]:
    items = []
    for day in range(days):
        for slot in range(per_day):
            moment = start + timedelta(days=day, hours=6 * slot)
            items.append(BackupInfo(name=f"scent-{moment:%Y%m%d-%H%M%S}.tar.gz", created_at=moment))
    return items


def test_retention_keeps_newest_per_day_and_per_week():
    # given four backups a day for 60 days, ending on Wednesday 2026-03-04
    start = datetime(2026, 1, 4, 0, 0, tzinfo=UTC)
    series = _series(start, 60)
    newest = max(series, key=lambda b: b.created_at)
    # when 7 daily and 4 weekly are kept
    doomed = select_for_deletion(series, keep_daily=7, keep_weekly=4)
    kept = sorted({b.name for b in series} - {b.name for b in doomed})
    # then the newest of each of the last 7 days is kept ...
    daily = {
        f"scent-{(newest.created_at - timedelta(days=d)):%Y%m%d}-180000.tar.gz" for d in range(7)
    }
    assert daily <= set(kept)
    # ... and the newest of each of the last 4 ISO weeks (Sunday 18:00, or the newest this week)
    weekly = {"scent-20260222-180000.tar.gz", "scent-20260215-180000.tar.gz"}
    assert weekly <= set(kept)
    # and nothing else: 7 daily + 2 older weekly (the 2 most recent weeks overlap the dailies)
    assert len(kept) == 9
    assert newest.name in kept


def test_retention_with_few_backups_keeps_them_all():
    series = _series(datetime(2026, 3, 1, tzinfo=UTC), 3, per_day=1)
    assert select_for_deletion(series, keep_daily=7, keep_weekly=4) == []
    # and the newest backup survives even "keep nothing"
    doomed = select_for_deletion(series, keep_daily=0, keep_weekly=0)
    assert len(doomed) == 2


def test_apply_retention_deletes_files_from_the_storage(backup_dir):
    backup_dir.mkdir(parents=True)
    series = _series(datetime(2026, 2, 1, tzinfo=UTC), 10, per_day=2)
    for item in series:
        (backup_dir / item.name).write_bytes(b"x")
    (backup_dir / "notes.txt").write_text("not a backup")
    deleted = apply_retention(keep_daily=3, keep_weekly=2)
    remaining = sorted(p.name for p in backup_dir.iterdir())
    assert len(remaining) == len(series) - len(deleted) + 1
    assert "notes.txt" in remaining
    assert "scent-20260210-060000.tar.gz" in remaining  # the newest


@pytest.mark.django_db(transaction=True)
def test_restore_guard_rails(backup_dir, settings):
    with pytest.raises(BackupError, match="no backups"):
        restore_backup()
    settings.BACKUP_PASSPHRASE = PASSPHRASE
    info = create_backup()
    with pytest.raises(BackupError, match="No backup named"):
        restore_backup("scent-20000101-000000.tar.gz")
    settings.BACKUP_PASSPHRASE = ""
    with pytest.raises(BackupError, match="set BACKUP_PASSPHRASE"):
        restore_backup(info.name)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_backup_from_another_database_engine(backup_dir, settings):
    backup_dir.mkdir(parents=True)
    name = "scent-20260101-000000.tar.gz"
    with tarfile.open(backup_dir / name, "w:gz") as tar:
        manifest = json.dumps(
            {
                "format": 1,
                "database": {"vendor": "oracle", "connector": "x.Y", "file": "database.dump"},
            }
        ).encode()
        for member, data in (("manifest.json", manifest), ("database.dump", b"--")):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="holds a oracle database"):
        restore_backup(name)


@pytest.mark.django_db(transaction=True)
def test_commands_backup_list_and_restore_confirmation(backup_dir, monkeypatch):
    out = StringIO()
    call_command("backup", "list", stdout=out)
    assert "No backups yet" in out.getvalue()
    out = StringIO()
    call_command("backup", "--no-clean", stdout=out)
    assert "Backup scent-" in out.getvalue()
    out = StringIO()
    call_command("backup", "list", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 2  # header + one backup
    # restore asks first; anything but "yes" cancels without touching the shop
    monkeypatch.setattr(sys, "stdin", StringIO("no\n"))
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", stdout=StringIO())


def test_backup_command_fails_clearly_without_passphrase(settings, backup_dir):
    settings.BACKUP_PASSPHRASE = ""
    with pytest.raises(BackupError, match="set BACKUP_PASSPHRASE"):
        create_backup(encrypt=True)


def test_backup_names_are_parsed_strictly():
    assert backups.parse_backup_name("scent-20260301-020000.tar.gz") == datetime(
        2026, 3, 1, 2, 0, tzinfo=UTC
    )
    assert backups.parse_backup_name("scent-20260301-020000.tar.gz.enc") is not None
    for other in ("scent-2026.tar.gz", "notes.txt", "../scent-20260301-020000.tar.gz"):
        assert backups.parse_backup_name(other) is None
