"""Log records as JSON lines, carrying the current request's id, user and path, minus secrets."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_context: ContextVar[dict | None] = ContextVar("request_context", default=None)

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

REDACTED = "[REDACTED]"


def configure(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: apply LOGGING and send `warnings` through it too.

    File channels (single, daily) get their directory created: a fresh STORAGE_PATH
    has no logs/ yet.
    """
    from pathlib import Path

    for handler in config.get("handlers", {}).values():
        if handler.get("filename"):
            Path(handler["filename"]).parent.mkdir(parents=True, exist_ok=True)
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


class RequestContextFilter(logging.Filter):
    """Copy the request context (request id, method, path, user id) onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        if not context:
            return True
        for key, value in context.items():
            if not key.startswith("_") and not hasattr(record, key):
                setattr(record, key, value)
        if not hasattr(record, "user_id"):
            request = context.get("_request")
            record.user_id = _resolved_user_id(request) if request is not None else None
        return True


def _resolved_user_id(request: Any) -> Any:
    from scent.ops.middleware import resolved_user_id

    return resolved_user_id(request)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for Fly.io / journald / any log collector."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key != "request":
                payload[key] = value if _is_json_value(value) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False, default=str)


def _is_json_value(value: object) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json_value(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    return False


# --- Redaction --------------------------------------------------------------------

# Keys whose values are never logged, matched on the lowercased key with - and spaces as _.
_SENSITIVE_KEY = re.compile(
    r"passw|passphrase|^pass$|pwd|secret|token|api_?key|authori[sz]ation|^auth$|cookie|"
    r"session_?id|csrf|^cvc|^cvv|cvc2|cvv2|card_?num|cc_?num|^pan$|^number$|iban|"
    r"private_?key|signature|app_key|dsn",
)
# key=value, key: value and "key": "value" pairs inside free text. A key starts where a
# word starts and is at most 64 characters: else a long run of letters (a 100 kB URL in a
# request log line) is tried from every position, quadratic time for one log line.
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?(?<![A-Za-z0-9_\-])(?P<name>[A-Za-z][A-Za-z0-9_\-]{0,63})["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^\s,;&}\]]+)"""
)
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{6,}", re.IGNORECASE)
# Stripe secret/restricted/webhook keys and client secrets, whatever they sit next to.
_STRIPE_SECRET = re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}")
# 13-19 digits, optionally grouped by spaces or dashes: a card number if Luhn says so.
# Not digits inside a word: ids such as Stripe's evt_d20f5641573749559b5d3c4b hold runs
# of digits that pass Luhn by chance (one in ten), and must stay readable.
_PAN_CANDIDATE = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    return bool(_SENSITIVE_KEY.search(key.lower().replace("-", "_").replace(" ", "_")))


def _redact_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return REDACTED
    return match.group(0)


def _redact_pair(match: re.Match[str]) -> str:
    if _is_sensitive_key(match.group("name")):
        value = match.group("value")
        quote = value[0] if value[:1] in ('"', "'") else ""
        return f"{match.group('key')}{quote}{REDACTED}{quote}"
    return match.group(0)


class Redactor:
    """Remove secrets and card data from strings and nested structures."""

    def __init__(self, secret_values: Iterable[str] = (), max_depth: int = 8) -> None:
        self.max_depth = max_depth
        # Long values only: a short one ("1", "true") would redact innocent text.
        self.secret_values = sorted(
            {v for v in secret_values if isinstance(v, str) and len(v) >= 8},
            key=len,
            reverse=True,
        )

    def text(self, value: str) -> str:
        for secret in self.secret_values:
            if secret in value:
                value = value.replace(secret, REDACTED)
        value = _STRIPE_SECRET.sub(REDACTED, value)
        value = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
        value = _KEY_VALUE.sub(_redact_pair, value)
        return _PAN_CANDIDATE.sub(_redact_pan, value)

    def value(self, value: Any, depth: int = 0) -> Any:
        if depth > self.max_depth:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 10**12:
            digits = str(value)
            return REDACTED if len(digits) <= 19 and luhn_valid(digits) else value
        if isinstance(value, dict):
            return {
                k: (REDACTED if _is_sensitive_key(k) else self.value(v, depth + 1))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple | set):
            items = [self.value(item, depth + 1) for item in value]
            return tuple(items) if isinstance(value, tuple) else items
        return value


def _configured_secret_values() -> list[str]:
    try:
        from django.conf import settings

        names = (
            "SECRET_KEY",
            "STRIPE_SECRET",
            "STRIPE_WEBHOOK_SECRET",
            "HEALTH_TOKEN",
            "SENTRY_DSN",
            "BACKUP_PASSPHRASE",
        )
        values = [getattr(settings, name, "") for name in names]
        values += list(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])
        db = settings.DATABASES.get("default", {})
        values.append(db.get("PASSWORD", ""))
        for mailer in getattr(settings, "MAILERS", {}).values():
            values.append(mailer.get("OPTIONS", {}).get("password", ""))
        for key, value in getattr(settings, "ANYMAIL", {}).items():
            if key.endswith(("_KEY", "_TOKEN")):
                values.append(value)
        options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
        values.append(options.get("secret_key", ""))
        return [str(v) for v in values if v]
    except Exception:  # settings not configured (a bare script): patterns still apply
        return []


class RedactingFilter(logging.Filter):
    """Strip passwords, tokens, configured secret values and card numbers from every record.

    Runs on the handler, so message, arguments, `extra` fields and tracebacks are all
    cleaned before any formatter (text or JSON) sees them.
    """

    def __init__(self, name: str = "", secret_values: Iterable[str] | None = None) -> None:
        super().__init__(name)
        self._explicit = list(secret_values) if secret_values is not None else None
        self._redactor: Redactor | None = None

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            values = self._explicit if self._explicit is not None else _configured_secret_values()
            self._redactor = Redactor(values)
        return self._redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor
        if record.args:
            # Clean structured arguments first, so a dict's "password" key is still a key.
            args = record.args
            record.args = redactor.value(args) if isinstance(args, dict | tuple) else args
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log it as given
            message = str(record.msg)
        record.msg = redactor.text(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD_ATTRS or key.startswith("_") or key == "request":
                continue
            record.__dict__[key] = REDACTED if _is_sensitive_key(key) else redactor.value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.text(record.exc_text)
        return True


def gunicorn_logconfig_dict() -> dict[str, Any]:
    """gunicorn's own messages (boot, worker restarts) in the app's format, on stderr.

    For deploy/gunicorn.conf.py: ``logconfig_dict = gunicorn_logconfig_dict()``; reads the
    same LOG_LEVEL / LOG_FORMAT as the app so every stderr line is one JSON object.
    """
    from scent.env import get_choice, get_str

    production = get_str("APP_ENV", "local").lower() in ("production", "staging")
    fmt = get_choice("LOG_FORMAT", "json" if production else "text", ("json", "text"))
    level = get_str("LOG_LEVEL", "info").upper()
    level = {"NOTICE": "INFO", "ALERT": "CRITICAL", "EMERGENCY": "CRITICAL"}.get(level, level)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "scent.core.logging.JsonFormatter"},
            "text": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"},
        },
        "filters": {"redact": {"()": "scent.core.logging.RedactingFilter", "secret_values": []}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": fmt,
                "filters": ["redact"],
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            # The app logs each request itself (scent.request); /up probes stay quiet.
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": [], "level": "WARNING"},
    }
