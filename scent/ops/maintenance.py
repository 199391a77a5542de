"""Maintenance mode with Laravel's semantics (`php artisan down` / `up`).

The state lives where every machine sees it, chosen by MAINTENANCE_DRIVER:

- ``database`` (default): one row of ``ops.MaintenanceMode``; all Fly machines go down together.
- ``cache``: one key in the cache store MAINTENANCE_CACHE_STORE (Redis on a multi-machine shop).
- ``file``: a JSON file, STORAGE_PATH/framework/down (one box only, like Laravel's default).

Reading is cheap on every request: the database and cache drivers keep what they read in
this process for MAINTENANCE_STATE_TTL seconds (default 1), so a web process costs at most
one query per second, and `scent down` reaches every machine within that second. The file
driver stats the file on every call instead (cheaper than remembering it).

Web requests are answered by scent.ops.middleware.MaintenanceMiddleware; the worker and
the scheduler call ``is_down()`` before picking up work.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.signals import setting_changed
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.utils import timezone

logger = logging.getLogger(__name__)

DRIVERS = ("database", "cache", "file")
CACHE_KEY = "maintenance:state"
BYPASS_COOKIE = "scent_maintenance"
_BYPASS_SALT = "scent.ops.maintenance.bypass"


class MaintenanceError(ValueError):
    """Bad `scent down` options; the message says what to change."""


@dataclass(frozen=True)
class MaintenanceState:
    """What `scent down` asked for; the site is down while a state exists."""

    started_at: datetime
    status: int = 503
    secret: str | None = None
    retry: int | None = None
    refresh: int | None = None
    redirect: str | None = None
    template: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["started_at"] = self.started_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MaintenanceState:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in fields}
        values["started_at"] = datetime.fromisoformat(values["started_at"])
        return cls(**values)


# --- Public API ----------------------------------------------------------------


def is_down() -> bool:
    """Return True while the shop is in maintenance mode."""
    return maintenance_state() is not None


def maintenance_state() -> MaintenanceState | None:
    """Return the current maintenance state, or None when the shop is up."""
    driver = _driver()
    if driver == "file":
        return _file_read()
    ttl = float(getattr(settings, "MAINTENANCE_STATE_TTL", 1.0))
    now = time.monotonic()
    with _local_lock:
        cached = _local.get(driver)
        if cached is not None and cached[0] > now:
            return cached[1]
    state = _database_read() if driver == "database" else _cache_read()
    with _local_lock:
        _local[driver] = (now + ttl, state)
    return state


def go_down(
    *,
    secret: str | None = None,
    with_secret: bool = False,
    status: int = 503,
    retry: int | None = None,
    refresh: int | None = None,
    redirect: str | None = None,
    template: str | None = None,
) -> MaintenanceState:
    """Put the shop into maintenance mode, or update the options when it already is down.

    ``with_secret`` generates a bypass secret (returned in the state). Running it again keeps
    the original ``started_at`` and replaces every option, like re-running `artisan down`.
    """
    if secret and with_secret:
        raise MaintenanceError("Use either --secret or --with-secret, not both.")
    if with_secret:
        secret = secrets.token_urlsafe(24)
    secret = _clean_secret(secret)
    if not 200 <= status <= 599:
        raise MaintenanceError(f"--status must be an HTTP status code (200-599), not {status}.")
    for name, value in (("--retry", retry), ("--refresh", refresh)):
        if value is not None and value < 0:
            raise MaintenanceError(f"{name} must be a number of seconds (0 or more).")
    if redirect is not None:
        redirect = redirect.strip()
        if not redirect.startswith("/") and not redirect.startswith(("http://", "https://")):
            raise MaintenanceError(
                f"--redirect must be a path such as /status or a full http(s) URL, not {redirect!r}."
            )
    if template:
        from django.template import TemplateDoesNotExist
        from django.template.loader import get_template

        try:
            get_template(template)
        except TemplateDoesNotExist:
            raise MaintenanceError(f"--render: no template named {template!r}.") from None
    current = maintenance_state_uncached()
    state = MaintenanceState(
        started_at=current.started_at if current else timezone.now(),
        status=status,
        secret=secret,
        retry=retry,
        refresh=refresh,
        redirect=redirect or None,
        template=template or None,
    )
    _write(state)
    return state


def go_up() -> bool:
    """Bring the shop back up; return False when it was not down."""
    was_down = maintenance_state_uncached() is not None
    _write(None)
    return was_down


def maintenance_state_uncached() -> MaintenanceState | None:
    """Read the state from its store, skipping (and refreshing) this process's copy."""
    clear_local_cache()
    return maintenance_state()


def clear_local_cache() -> None:
    with _local_lock:
        _local.clear()


# --- Bypass cookie ----------------------------------------------------------------


def bypass_cookie_value(state: MaintenanceState) -> str:
    """A signed cookie value valid for this secret only (a new secret revokes old cookies)."""
    return signing.dumps(_secret_digest(state.secret or ""), salt=_BYPASS_SALT)


def has_valid_bypass_cookie(value: str | None, state: MaintenanceState) -> bool:
    if not value or not state.secret:
        return False
    try:
        digest = signing.loads(value, salt=_BYPASS_SALT, max_age=bypass_cookie_max_age())
    except signing.BadSignature:
        return False
    return secrets.compare_digest(str(digest), _secret_digest(state.secret))


def bypass_cookie_max_age() -> int:
    return int(getattr(settings, "MAINTENANCE_BYPASS_COOKIE_AGE", 12 * 60 * 60))


def _secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def _clean_secret(secret: str | None) -> str | None:
    if secret is None:
        return None
    secret = secret.strip().strip("/")
    if not secret:
        raise MaintenanceError("--secret must not be empty.")
    if "/" in secret or any(ch.isspace() for ch in secret) or len(secret) > 200:
        raise MaintenanceError(
            "--secret must be a single URL path segment (no '/' or spaces, at most 200 chars)."
        )
    return secret


# --- Drivers ----------------------------------------------------------------------

_local: dict[str, tuple[float, MaintenanceState | None]] = {}
_local_lock = threading.Lock()


def _driver() -> str:
    driver = getattr(settings, "MAINTENANCE_DRIVER", "database")
    if driver not in DRIVERS:
        raise MaintenanceError(
            f"MAINTENANCE_DRIVER={driver!r} is not supported; use one of: {', '.join(DRIVERS)}."
        )
    return driver


def _write(state: MaintenanceState | None) -> None:
    driver = _driver()
    if driver == "database":
        _database_write(state)
    elif driver == "cache":
        _cache_write(state)
    else:
        _file_write(state)
    clear_local_cache()


def _database_read() -> MaintenanceState | None:
    from scent.ops.models import MaintenanceMode

    try:
        row = MaintenanceMode.objects.filter(pk=MaintenanceMode.SINGLETON_ID).first()
    except DatabaseError:
        # Before the first migrate (or with the database gone) nobody has run `scent down`.
        logger.warning("maintenance state unreadable from the database", exc_info=True)
        return None
    if row is None:
        return None
    return MaintenanceState(
        started_at=row.started_at,
        status=row.status,
        secret=row.secret or None,
        retry=row.retry,
        refresh=row.refresh,
        redirect=row.redirect or None,
        template=row.template or None,
    )


def _database_write(state: MaintenanceState | None) -> None:
    from scent.ops.models import MaintenanceMode

    with transaction.atomic():
        if state is None:
            MaintenanceMode.objects.filter(pk=MaintenanceMode.SINGLETON_ID).delete()
            return
        MaintenanceMode.objects.update_or_create(
            pk=MaintenanceMode.SINGLETON_ID,
            defaults={
                "started_at": state.started_at,
                "status": state.status,
                "secret": state.secret or "",
                "retry": state.retry,
                "refresh": state.refresh,
                "redirect": state.redirect or "",
                "template": state.template or "",
            },
        )


def _cache():
    from django.core.cache import caches

    return caches[getattr(settings, "MAINTENANCE_CACHE_STORE", "default")]


def _cache_read() -> MaintenanceState | None:
    data = _cache().get(CACHE_KEY)
    return MaintenanceState.from_json(data) if data else None


def _cache_write(state: MaintenanceState | None) -> None:
    if state is None:
        _cache().delete(CACHE_KEY)
    else:
        _cache().set(CACHE_KEY, state.to_json(), timeout=None)


def _file_path() -> Path:
    configured = getattr(settings, "MAINTENANCE_FILE", None)
    return Path(configured) if configured else Path(settings.STORAGE_DIR) / "framework" / "down"


def _file_read() -> MaintenanceState | None:
    path = _file_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return MaintenanceState.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        # A half-written or hand-edited file still means "down", with default options.
        logger.warning("maintenance file %s is not valid JSON; treating the shop as down", path)
        return MaintenanceState(started_at=timezone.now())


def _file_write(state: MaintenanceState | None) -> None:
    path = _file_path()
    if state is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(state.to_json()), encoding="utf-8")
    tmp.replace(path)  # atomic: readers see the old file or the new one, never half of it


@receiver(setting_changed)
def _reset_on_setting_change(*, setting: str, **_: Any) -> None:
    if setting.startswith("MAINTENANCE_") or setting in ("CACHES", "DATABASES", "STORAGE_DIR"):
        clear_local_cache()
