"""Read the environment contract (the Laravel guide's names) with typed helpers.

Settings call these; nothing else in the project reads os.environ directly, so
`.env.example` stays the one list of variables.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigurationError(ImproperlyConfigured):
    """A variable is missing or unsafe; the message names it and says what to do."""


def load_dotenv_file(path: Path) -> None:
    """Load `.env` without overriding what the real environment already sets."""
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def get_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def get_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    value = (raw or "").strip().lower().strip("()")
    if not value:  # unset, or left empty as in .env.example: the default applies
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def get_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None


def get_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = get_str(name, default).lower() or default
    if value not in choices:
        allowed = ", ".join(choices)
        raise ConfigurationError(f"{name}={value!r} is not supported; use one of: {allowed}.")
    return value


def get_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in get_str(name, default).split(",") if item.strip()]


_RATE_RE = re.compile(r"^[1-9][0-9]*/([1-9][0-9]*)?[smhd]$")


def get_rate(name: str, default: str) -> str:
    """A rate limit such as "10/h" or "20/15m" (requests / [count] s, m, h or d)."""
    value = get_str(name, default).replace(" ", "") or default
    if not _RATE_RE.match(value):
        raise ConfigurationError(
            f"{name} must be a rate such as 10/h or 20/15m (requests per period), not {value!r}."
        )
    return value
