"""Backups of the database and the media files: create, list, restore, retention.

One backup is one file in the "dbbackup" storage (STORAGES["dbbackup"]: BACKUP_PATH on
this machine, or an S3 bucket with BACKUP_DISK=s3), named ``<BACKUP_NAME>-YYYYmmdd-HHMMSS``:

    scent-20261125-020000.tar.gz        a gzip'd tar: manifest.json, database.<ext>, media/...
    scent-20261125-020000.tar.gz.enc    the same, encrypted (AES-256-GCM, key from BACKUP_PASSPHRASE)

The database dump is made and restored by django-dbbackup's connectors (mysqldump/mysql for
MariaDB and MySQL, pg_dump/pg_restore for PostgreSQL, SQLite's online backup API). Media
files are read and written through the default storage, so local disks and S3 both work.

Retention keeps the newest backup of each of the last BACKUP_KEEP_DAILY days and of each
of the last BACKUP_KEEP_WEEKLY ISO weeks (that have backups), and deletes the others.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import secrets
import shutil
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.db import DatabaseError, connections
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("scent.backups")

ARCHIVE_SUFFIX = ".tar.gz"
ENCRYPTED_SUFFIX = ".enc"
FORMAT_VERSION = 1
_STAMP = "%Y%m%d-%H%M%S"
_NAME_RE = re.compile(
    r"^(?P<prefix>[a-z0-9][a-z0-9-]*)-(?P<stamp>\d{8}-\d{6})\.tar\.gz(?P<enc>\.enc)?$"
)
_MAGIC = b"SCENTBK1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    name: str
    created_at: datetime
    size: int | None = None

    @property
    def encrypted(self) -> bool:
        return self.name.endswith(ENCRYPTED_SUFFIX)


@dataclass(frozen=True)
class RestoredBackup(BackupInfo):
    app_version: str = ""


# --- Storage and names -----------------------------------------------------------


def backup_storage() -> Storage:
    return storages["dbbackup"]


def parse_backup_name(name: str) -> datetime | None:
    """The creation time encoded in a backup's file name, or None for other files."""
    match = _NAME_RE.match(name)
    if not match:
        return None
    return datetime.strptime(match.group("stamp"), _STAMP).replace(tzinfo=UTC)


def _new_name(storage: Storage, now: datetime, encrypted: bool) -> str:
    prefix = settings.BACKUP_NAME
    moment = now.astimezone(UTC).replace(microsecond=0)
    while True:  # two backups in one second get consecutive stamps
        name = f"{prefix}-{moment:{_STAMP}}{ARCHIVE_SUFFIX}"
        if not (storage.exists(name) or storage.exists(name + ENCRYPTED_SUFFIX)):
            return name + (ENCRYPTED_SUFFIX if encrypted else "")
        moment += timedelta(seconds=1)


def list_backups() -> list[BackupInfo]:
    """Every backup in the storage, newest first."""
    storage = backup_storage()
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:
        return []
    backups = []
    for name in files:
        created = parse_backup_name(name)
        if created is None:
            continue
        try:
            size = storage.size(name)
        except (OSError, NotImplementedError):
            size = None
        backups.append(BackupInfo(name=name, created_at=created, size=size))
    return sorted(backups, key=lambda b: (b.created_at, b.name), reverse=True)


# --- Create ------------------------------------------------------------------------


def create_backup(
    *,
    include_media: bool = True,
    encrypt: bool | None = None,
    now: datetime | None = None,
) -> BackupInfo:
    """Dump the database (and the media files) into one compressed, optionally encrypted file.

    ``encrypt`` defaults to "when BACKUP_PASSPHRASE is set".
    """
    passphrase = settings.BACKUP_PASSPHRASE
    if encrypt is None:
        encrypt = bool(passphrase)
    if encrypt and not passphrase:
        raise BackupError("Encryption needs a passphrase: set BACKUP_PASSPHRASE.")
    now = now or timezone.now()
    storage = backup_storage()
    workdir = Path(tempfile.mkdtemp(prefix="scent-backup-", dir=_tmp_dir()))
    try:
        archive = workdir / "backup.tar.gz"
        connector = _connector()
        dump = connector.create_dump()
        media_count = 0
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            dump_name = f"database.{connector.extension}"
            _add_stream(tar, dump_name, dump, now)
            dump.close()
            if include_media:
                for name in _walk(default_storage):
                    with default_storage.open(name, "rb") as handle:
                        _add_stream(tar, f"media/{name}", handle, now)
                    media_count += 1
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": now.isoformat(),
                "app_version": settings.APP_VERSION,
                "database": {
                    "vendor": connections["default"].vendor,
                    "connector": f"{type(connector).__module__}.{type(connector).__name__}",
                    "file": dump_name,
                },
                "media_files": media_count if include_media else None,
            }
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode(), now)
        upload = archive
        if encrypt:
            upload = workdir / "backup.tar.gz.enc"
            encrypt_file(archive, upload, passphrase)
        name = _new_name(storage, now, encrypted=encrypt)
        with upload.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:  # a storage that renames would break the naming scheme
            storage.delete(saved)
            raise BackupError(f"The backup storage renamed {name} to {saved}; nothing was kept.")
        info = BackupInfo(name=name, created_at=parse_backup_name(name), size=upload.stat().st_size)
        logger.info(
            "backup created",
            extra={"backup": name, "size": info.size, "media_files": media_count},
        )
        return info
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _connector():
    from dbbackup.db.base import get_connector

    return get_connector("default")


def _tmp_dir() -> str | None:
    path = getattr(settings, "BACKUP_TMP_DIR", None)
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        return str(path)
    return None


def _walk(storage: Storage, path: str = "") -> Iterable[str]:
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(dirs):
        yield from _walk(storage, f"{path}/{directory}" if path else directory)


def _add_stream(tar: tarfile.TarFile, name: str, handle: IO[bytes], now: datetime) -> None:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(now.timestamp())
    info.mode = 0o640
    tar.addfile(info, handle)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    _add_stream(tar, name, io.BytesIO(data), now)


# --- Restore -----------------------------------------------------------------------


def restore_backup(name: str | None = None, *, include_media: bool = True) -> RestoredBackup:
    """Replace the database (and the media files) with a backup; the latest when no name.

    The shop is put into maintenance mode for the duration (unless it already is down),
    and whatever maintenance state it had before is put back afterwards.
    """
    from scent.ops import maintenance

    backups = list_backups()
    if not backups:
        raise BackupError("There are no backups to restore.")
    if name is None:
        chosen = backups[0]
    else:
        chosen = next((b for b in backups if b.name == name), None)
        if chosen is None:
            raise BackupError(f"No backup named {name!r}; see `scent backup list`.")
    storage = backup_storage()
    workdir = Path(tempfile.mkdtemp(prefix="scent-restore-", dir=_tmp_dir()))
    try:
        local = workdir / "download"
        with storage.open(chosen.name, "rb") as source, local.open("wb") as target:
            shutil.copyfileobj(source, target, _CHUNK)
        if chosen.encrypted:
            passphrase = settings.BACKUP_PASSPHRASE
            if not passphrase:
                raise BackupError(
                    f"{chosen.name} is encrypted: set BACKUP_PASSPHRASE to restore it."
                )
            decrypted = workdir / "backup.tar.gz"
            decrypt_file(local, decrypted, passphrase)
            local.unlink()
            local = decrypted
        dump_path, manifest = _extract_database(local, workdir)
        _check_compatible(manifest)

        before = maintenance.maintenance_state_uncached()
        if before is None:
            try:
                maintenance.go_down(retry=60)
            except DatabaseError:
                # An empty database (restoring onto a new server) has no table for it yet.
                logger.warning("restoring without maintenance mode: database not migrated")
        try:
            _restore_database(dump_path, manifest)
            if include_media:
                _restore_media(local)
        finally:
            _put_back_maintenance(before)
        logger.info("backup restored", extra={"backup": chosen.name})
        return RestoredBackup(
            name=chosen.name,
            created_at=chosen.created_at,
            size=chosen.size,
            app_version=str(manifest.get("app_version") or ""),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _extract_database(archive: Path, workdir: Path) -> tuple[Path, dict[str, Any]]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            try:
                manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
            except KeyError:
                raise BackupError("This file is not a backup of this shop (no manifest).") from None
            dump_name = manifest["database"]["file"]
            member = tar.getmember(dump_name)
            if not member.isfile() or "/" in dump_name:
                raise BackupError("The backup's database entry is not a plain file.")
            dump_path = workdir / "database.dump"
            with tar.extractfile(member) as source, dump_path.open("wb") as target:  # type: ignore[union-attr]
                shutil.copyfileobj(source, target, _CHUNK)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"The backup file is damaged: {exc}") from None
    return dump_path, manifest


def _check_compatible(manifest: dict[str, Any]) -> None:
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r}.")
    vendor = connections["default"].vendor
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"This backup holds a {manifest['database']['vendor']} database but the shop "
            f"runs on {vendor}; restore it on a {manifest['database']['vendor']} database."
        )


def _restore_database(dump_path: Path, manifest: dict[str, Any]) -> None:
    from dbbackup.db.base import get_connector

    connector = get_connector("default", connector_path=manifest["database"]["connector"])
    connections.close_all()
    if connections["default"].vendor == "sqlite":
        # The copy replaces the main file; stale WAL/SHM files would be replayed over it.
        db_path = Path(connections["default"].settings_dict["NAME"])
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with dump_path.open("rb") as dump:
        connector.restore_dump(File(dump, name=str(dump_path)))
    connections.close_all()


def _restore_media(archive: Path) -> None:
    """Make the media storage hold exactly the backup's files."""
    for name in list(_walk(default_storage)):
        default_storage.delete(name)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.name.startswith("media/") or not member.isfile():
                continue
            relative = PurePosixPath(member.name).relative_to("media")
            if relative.is_absolute() or ".." in relative.parts:
                raise BackupError(f"Refusing an unsafe path in the backup: {member.name}")
            with tar.extractfile(member) as source:  # type: ignore[union-attr]
                saved = default_storage.save(str(relative), File(source, name=relative.name))
            if saved != str(relative):
                raise BackupError(f"Media storage renamed {relative} to {saved} during restore.")


def _put_back_maintenance(before) -> None:
    from scent.ops import maintenance

    if before is None:
        maintenance.go_up()
    else:
        maintenance.go_down(
            secret=before.secret,
            status=before.status,
            retry=before.retry,
            refresh=before.refresh,
            redirect=before.redirect,
            template=before.template,
        )


# --- Retention ---------------------------------------------------------------------


def select_for_deletion(
    backups: list[BackupInfo], *, keep_daily: int, keep_weekly: int
) -> list[BackupInfo]:
    """Backups that neither the daily nor the weekly rule keeps.

    Daily: the newest backup of each of the ``keep_daily`` most recent days with backups.
    Weekly: the newest backup of each of the ``keep_weekly`` most recent ISO weeks.
    The newest backup of all is always kept.
    """
    if not backups:
        return []
    newest_first = sorted(backups, key=lambda b: (b.created_at, b.name), reverse=True)
    keep = {newest_first[0].name}
    keep |= _newest_per_period(newest_first, lambda d: d.date(), keep_daily)
    keep |= _newest_per_period(newest_first, lambda d: tuple(d.isocalendar())[:2], keep_weekly)
    return [b for b in newest_first if b.name not in keep]


def _newest_per_period(newest_first: list[BackupInfo], period, count: int) -> set[str]:
    kept: dict[Any, str] = {}
    for backup in newest_first:
        key = period(backup.created_at)
        if key not in kept:
            if len(kept) >= count:
                break
            kept[key] = backup.name
    return set(kept.values())


def apply_retention(
    *, keep_daily: int | None = None, keep_weekly: int | None = None
) -> list[BackupInfo]:
    """Delete the backups the retention rules don't keep; return what was deleted."""
    keep_daily = settings.BACKUP_KEEP_DAILY if keep_daily is None else keep_daily
    keep_weekly = settings.BACKUP_KEEP_WEEKLY if keep_weekly is None else keep_weekly
    doomed = select_for_deletion(list_backups(), keep_daily=keep_daily, keep_weekly=keep_weekly)
    storage = backup_storage()
    for backup in doomed:
        storage.delete(backup.name)
        logger.info("old backup deleted", extra={"backup": backup.name})
    return doomed


@task()
def scheduled_backup() -> str:
    """The daily backup (scheduled in scent/ops/schedule.py), then retention."""
    info = create_backup()
    deleted = apply_retention()
    return f"{info.name} ({info.size} bytes); {len(deleted)} old backup(s) deleted"


# --- Encryption --------------------------------------------------------------------


def _key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passphrase.encode(), salt=salt, **_SCRYPT)


def encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """AES-256-GCM with a scrypt-derived key: MAGIC | salt | nonce | ciphertext | tag."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = _MAGIC + salt + nonce
    encryptor = Cipher(algorithms.AES(_key(passphrase, salt)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header)
    with source.open("rb") as plain, target.open("wb") as out:
        out.write(header)
        while chunk := plain.read(_CHUNK):
            out.write(encryptor.update(chunk))
        out.write(encryptor.finalize())
        out.write(encryptor.tag)


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """Decrypt what encrypt_file wrote; a wrong passphrase or a changed byte fails loudly."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    size = source.stat().st_size
    header_size = len(_MAGIC) + 16 + 12
    if size < header_size + 16:
        raise BackupError("The encrypted backup is truncated.")
    with source.open("rb") as encrypted, target.open("wb") as out:
        header = encrypted.read(header_size)
        if not header.startswith(_MAGIC):
            raise BackupError("This is not an encrypted backup of this shop.")
        salt, nonce = header[len(_MAGIC) : len(_MAGIC) + 16], header[len(_MAGIC) + 16 :]
        encrypted.seek(size - 16)
        tag = encrypted.read(16)
        encrypted.seek(header_size)
        decryptor = Cipher(
            algorithms.AES(_key(passphrase, salt)), modes.GCM(nonce, tag)
        ).decryptor()
        decryptor.authenticate_additional_data(header)
        remaining = size - header_size - 16
        while remaining > 0:
            chunk = encrypted.read(min(_CHUNK, remaining))
            remaining -= len(chunk)
            out.write(decryptor.update(chunk))
        try:
            decryptor.finalize()
        except InvalidTag:
            out.close()
            target.unlink(missing_ok=True)
            raise BackupError(
                "Could not decrypt the backup: wrong BACKUP_PASSPHRASE or a damaged file."
            ) from None
