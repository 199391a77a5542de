"""The Scent's one settings module: every value comes from the environment.

Names follow the Laravel deployment guide (APP_*, DB_*, CACHE_DRIVER, MAIL_*,
STRIPE_*, ...) so its `fly secrets set` lines configure this app unchanged.
`.env.example` documents each variable and its default.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

from scent.env import (
    ConfigurationError,
    get_bool,
    get_choice,
    get_int,
    get_list,
    get_rate,
    get_str,
    load_dotenv_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv_file(Path(get_str("APP_ENV_FILE", str(BASE_DIR / ".env"))))

# --- Application -------------------------------------------------------------
APP_NAME = get_str("APP_NAME", "The Scent")
# pytest sets PYTEST_VERSION while it runs, so the suite gets APP_ENV=testing by default.
APP_ENV = get_choice(
    "APP_ENV",
    "testing" if get_str("PYTEST_VERSION") else "local",
    ("local", "testing", "production", "staging"),
)
IS_PRODUCTION = APP_ENV in ("production", "staging")
DEBUG = get_bool("APP_DEBUG", default=APP_ENV == "local")
APP_URL = get_str("APP_URL", "" if IS_PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
# A VPS release carries its id in REVISION (written by deploy/release.py, like Deployer).
_revision_file = BASE_DIR / "REVISION"
APP_VERSION = (
    get_str("APP_VERSION", "")
    or (_revision_file.read_text().strip() if _revision_file.is_file() else "")
    or get_str("FLY_IMAGE_REF", "")
    or "dev"
)

# Laravel keys look like "base64:..."; any long random string works as SECRET_KEY.
_DEV_KEY = "local-development-key-not-for-production-0123456789abcdefghijklmnop"
SECRET_KEY = get_str("APP_KEY") or ("" if IS_PRODUCTION else _DEV_KEY)
SECRET_KEY_FALLBACKS = get_list("APP_PREVIOUS_KEYS")

STORAGE_DIR = Path(get_str("STORAGE_PATH", str(BASE_DIR / "storage")))

_app_url = urlsplit(APP_URL) if APP_URL else None
ALLOWED_HOSTS = get_list("ALLOWED_HOSTS")
if _app_url and _app_url.hostname:
    ALLOWED_HOSTS.append(_app_url.hostname)
if not IS_PRODUCTION:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [f"{_app_url.scheme}://{_app_url.netloc}"] if _app_url else []

# --- Apps and middleware -----------------------------------------------------
INSTALLED_APPS = [
    "scent.core",
    "scent.accounts",
    "scent.catalog",
    "scent.cart",
    "scent.checkout",
    "scent.orders",
    "scent.payments",
    "scent.ops",
    "scent.marketing",
    "scent.dashboard",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "scent.core.middleware.LivenessMiddleware",
    "scent.ops.middleware.RequestLogMiddleware",
    "scent.ops.middleware.MaintenanceMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # A sign-in refused for its address (LOGIN_FAILURE_RATE) gets the 429 page.
    "scent.accounts.middleware.LoginLimitMiddleware",
]

ROOT_URLCONF = "scent.urls"
WSGI_APPLICATION = "scent.wsgi.application"

_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "scent" / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "scent.core.context_processors.shop",
                "scent.core.theme.theme",
                "scent.cart.context_processors.cart",
                "scent.orders.context_processors.account_orders",
                "scent.catalog.context_processors.catalog_nav",
                "scent.marketing.context_processors.marketing",
            ],
            # The cached loader is Laravel's `view:cache`; in local mode templates reload.
            "loaders": _loaders if DEBUG else [("django.template.loaders.cached.Loader", _loaders)],
        },
    }
]

# --- Database ----------------------------------------------------------------
DB_CONNECTION = get_choice("DB_CONNECTION", "sqlite", ("sqlite", "mysql", "mariadb", "pgsql"))


def _database_from_parts() -> dict:
    name = get_str("DB_DATABASE")
    if DB_CONNECTION == "sqlite":
        path = Path(name) if name else STORAGE_DIR / "database.sqlite3"
        if name != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no storage/
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so the worker and the web
                # process queue up instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    engine = "postgresql" if DB_CONNECTION == "pgsql" else "mysql"
    default_port = "5432" if engine == "postgresql" else "3306"
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "HOST": get_str("DB_HOST", "127.0.0.1"),
        "PORT": get_str("DB_PORT", default_port),
        "NAME": name or "the_scent",
        "USER": get_str("DB_USERNAME", "root"),
        "PASSWORD": get_str("DB_PASSWORD"),
    }


_database_url = get_str("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(_database_url) if _database_url else _database_from_parts()
}
_db = DATABASES["default"]
# Opening a connection costs more than serving a kept page (SQLite: 513 -> 1,590 req/s
# for /products/ with connections kept), so they are kept in production, and with SQLite
# everywhere: a SQLite connection is a file handle, not a server's slot, so keeping one
# per thread of the development server costs nothing.
_keep_connections = IS_PRODUCTION or _db["ENGINE"] == "django.db.backends.sqlite3"
_db["CONN_MAX_AGE"] = get_int("DB_CONN_MAX_AGE", 60 if _keep_connections else 0)
_db["CONN_HEALTH_CHECKS"] = True
_db["ATOMIC_REQUESTS"] = False
if _db["ENGINE"] == "django.db.backends.mysql":
    _db.setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # READ COMMITTED makes "SELECT ... FOR UPDATE then re-read" behave as on
            # PostgreSQL; Django recommends it for MySQL/MariaDB.
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        }
    )
    _db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, queue ---------------------------------------------------
REDIS_URL = get_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_DRIVER = get_choice("CACHE_DRIVER", "database", ("database", "redis", "file", "locmem"))
CACHE_PREFIX = get_str("CACHE_PREFIX", "scent")


def _cache(driver: str) -> dict:
    if driver == "redis":
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    if driver == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": STORAGE_DIR / "framework" / "cache",
            "KEY_PREFIX": CACHE_PREFIX,
        }
    if driver == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "scent"}
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "scent_cache",
        "KEY_PREFIX": CACHE_PREFIX,
    }


CACHES = {
    "default": _cache(CACHE_DRIVER),
    # Shared storefront pages (scent.core.page_cache), in each process's memory; their
    # freshness comes from the catalogue version kept in "default".
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "scent-pages",
        "OPTIONS": {"MAX_ENTRIES": get_int("PAGE_CACHE_ENTRIES", 500)},
    },
}
PAGE_CACHE_SECONDS = get_int("PAGE_CACHE_SECONDS", 600)

SESSION_DRIVER = get_choice(
    "SESSION_DRIVER", "database", ("database", "redis", "cache", "file", "cookie")
)
SESSION_ENGINE = {
    "database": "django.contrib.sessions.backends.db",
    "redis": "django.contrib.sessions.backends.cache",
    "cache": "django.contrib.sessions.backends.cached_db",
    "file": "django.contrib.sessions.backends.file",
    "cookie": "django.contrib.sessions.backends.signed_cookies",
}[SESSION_DRIVER]
if SESSION_DRIVER == "redis":
    CACHES["sessions"] = _cache("redis") | {"KEY_PREFIX": f"{CACHE_PREFIX}:session"}
    SESSION_CACHE_ALIAS = "sessions"
if SESSION_DRIVER == "file":
    SESSION_FILE_PATH = STORAGE_DIR / "framework" / "sessions"
SESSION_COOKIE_AGE = (
    get_int("SESSION_LIFETIME", 120) * 60 if get_str("SESSION_LIFETIME") else 1209600
)

QUEUE_CONNECTION = get_choice("QUEUE_CONNECTION", "database", ("sync", "database", "redis"))
_TASK_BACKENDS = {
    "sync": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    # django-tasks-rq adapted to Django's built-in django.tasks (see scent/ops/queue/rq.py).
    "redis": "scent.ops.queue.rq.RQBackend",
}
TASK_QUEUES = ["default", "mail"]
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[QUEUE_CONNECTION],
        "QUEUES": TASK_QUEUES,
    }
}
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in TASK_QUEUES}
if QUEUE_CONNECTION == "redis":
    INSTALLED_APPS.append("django_tasks_rq")
    INSTALLED_APPS.append("django_rq")

# --- Mail --------------------------------------------------------------------
# Laravel's default mailer is smtp; locally we print mail to the console instead.
MAIL_MAILER = get_choice(
    "MAIL_MAILER",
    "smtp" if IS_PRODUCTION else "console",
    ("smtp", "log", "console", "file", "array", "mailgun", "ses", "postmark", "sendgrid", "resend"),
)
MAIL_FROM_ADDRESS = get_str("MAIL_FROM_ADDRESS", "hello@thescent.local")
MAIL_FROM_NAME = get_str("MAIL_FROM_NAME", APP_NAME)
DEFAULT_FROM_EMAIL = f"{MAIL_FROM_NAME} <{MAIL_FROM_ADDRESS}>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_MAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "log": "scent.core.mail.LogEmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "array": "django.core.mail.backends.locmem.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "ses": "anymail.backends.amazon_ses.EmailBackend",
    "postmark": "anymail.backends.postmark.EmailBackend",
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
    "resend": "anymail.backends.resend.EmailBackend",
}
_encryption = get_choice("MAIL_ENCRYPTION", "", ("", "null", "tls", "ssl", "starttls"))
_MAIL_OPTIONS: dict = {
    "smtp": {
        "host": get_str("MAIL_HOST", "127.0.0.1"),
        "port": get_int(
            "MAIL_PORT", {"tls": 587, "starttls": 587, "ssl": 465}.get(_encryption, 25)
        ),
        "username": get_str("MAIL_USERNAME"),
        "password": get_str("MAIL_PASSWORD"),
        "use_tls": _encryption in ("tls", "starttls"),
        "use_ssl": _encryption == "ssl",
        "timeout": get_int("MAIL_TIMEOUT", 20),
    },
    "file": {"file_path": STORAGE_DIR / "mail"},
}
# Django 6.1's MAILERS replaces the EMAIL_* settings.
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKENDS[MAIL_MAILER],
        "OPTIONS": _MAIL_OPTIONS.get(MAIL_MAILER, {}),
    }
}
ANYMAIL = {
    "MAILGUN_API_KEY": get_str("MAILGUN_SECRET"),
    "MAILGUN_SENDER_DOMAIN": get_str("MAILGUN_DOMAIN"),
    "MAILGUN_API_URL": "https://" + get_str("MAILGUN_ENDPOINT", "api.mailgun.net") + "/v3",
    "POSTMARK_SERVER_TOKEN": get_str("POSTMARK_TOKEN"),
    "SENDGRID_API_KEY": get_str("SENDGRID_API_KEY"),
    "RESEND_API_KEY": get_str("RESEND_KEY"),
    "AMAZON_SES_CLIENT_PARAMS": {"region_name": get_str("AWS_DEFAULT_REGION", "us-east-1")},
}

# --- Payments ----------------------------------------------------------------
STRIPE_KEY = get_str("STRIPE_KEY")
STRIPE_SECRET = get_str("STRIPE_SECRET")
STRIPE_WEBHOOK_SECRET = get_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = get_str("STRIPE_API_BASE")  # tests point this at localstripe
PAYMENT_GATEWAY = get_choice(
    "PAYMENT_GATEWAY", "stripe" if STRIPE_SECRET else "test", ("test", "stripe")
)
STRIPE_ALLOW_TEST_KEYS = get_bool("STRIPE_ALLOW_TEST_KEYS", default=False)
SHOP_CURRENCY = get_str("SHOP_CURRENCY", "USD").upper()

# --- Files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(get_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "scent" / "static"]
MEDIA_URL = get_str("MEDIA_URL", "/media/")
MEDIA_ROOT = STORAGE_DIR / "app" / "public"
# Outside production WhiteNoise serves straight from the app directories (no collectstatic).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
FILESYSTEM_DISK = get_choice("FILESYSTEM_DISK", "local", ("local", "s3"))
# Tests and `make run` use plain storage; hashed + compressed files come from collectstatic.
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if get_bool("STATIC_MANIFEST", default=IS_PRODUCTION)
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _static_backend},
}
if FILESYSTEM_DISK == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "access_key": get_str("AWS_ACCESS_KEY_ID"),
            "secret_key": get_str("AWS_SECRET_ACCESS_KEY"),
            "region_name": get_str("AWS_DEFAULT_REGION", "auto"),
            # `fly storage create` (Tigris) sets BUCKET_NAME; Laravel calls it AWS_BUCKET.
            "bucket_name": get_str("AWS_BUCKET") or get_str("BUCKET_NAME"),
            "endpoint_url": get_str("AWS_ENDPOINT_URL_S3") or get_str("AWS_ENDPOINT") or None,
            "custom_domain": urlsplit(get_str("AWS_URL")).netloc or None,
            "addressing_style": "path" if get_bool("AWS_USE_PATH_STYLE_ENDPOINT", False) else None,
            "file_overwrite": False,
            "querystring_auth": False,
        },
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Auth --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in from an address past LOGIN_FAILURE_RATE failures.
    "scent.accounts.auth.AddressLoginLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "catalog:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if APP_ENV == "testing":
    # Hashing speed only; production hashing is asserted by the settings tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60
AXES_FAILURE_LIMIT = get_int("LOGIN_MAX_ATTEMPTS", 5)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Axes would look for an "email" credential (USERNAME_FIELD) that login forms never send;
# this reads "username" and lower-cases it, so every spelling counts against one account.
AXES_USERNAME_CALLABLE = "scent.accounts.auth.axes_username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address (scent.core.client): REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT
# proxies the address the outermost one saw. Axes locks per account *and* address, so
# five wrong passwords from one address do not lock the owner out everywhere else.
TRUSTED_PROXY_COUNT = get_int("TRUSTED_PROXY_COUNT", 1 if IS_PRODUCTION else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ConfigurationError(
        f"TRUSTED_PROXY_COUNT must be 0 or more (proxies in front of the app), "
        f"not {TRUSTED_PROXY_COUNT}."
    )
# Fly's proxy sets Fly-Client-IP itself; elsewhere a visitor could send that header
# through nginx, so it is read only on a Fly Machine (Fly sets FLY_APP_NAME there).
CLIENT_IP_HEADERS = (
    ["HTTP_FLY_CLIENT_IP", "HTTP_X_FORWARDED_FOR"]
    if get_str("FLY_APP_NAME")
    else ["HTTP_X_FORWARDED_FOR"]
)
AXES_CLIENT_IP_CALLABLE = "scent.core.client.client_address"

# --- Rate limits per client address (django-ratelimit) ------------------------------
# Counters live in the default cache: the database cache of the embedded default, or
# Redis (atomic INCR) in production. With the database cache two simultaneous requests
# can count once, which a limit of this size tolerates; the cache being down lets
# requests through with a logged warning rather than answering 500.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "scent.core.client.client_address"
RATELIMIT_CACHE_PREFIX = "ratelimit:"
RATELIMIT_ENABLE = get_bool("RATE_LIMITS", default=True)
LOGIN_FAILURE_RATE = get_rate("LOGIN_FAILURE_RATE", "20/15m")  # failed sign-ins, any account
REGISTER_RATE = get_rate("REGISTER_RATE", "10/h")
PASSWORD_RESET_RATE = get_rate("PASSWORD_RESET_RATE", "10/h")
NEWSLETTER_RATE = get_rate("NEWSLETTER_RATE", "10/h")
# "Someone tried to open an account with your e-mail": at most one notice per account
# in this many hours (kept on the account, so it holds across restarts and machines).
DUPLICATE_SIGNUP_NOTICE_HOURS = get_int("DUPLICATE_SIGNUP_NOTICE_HOURS", 24)

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = get_str("APP_TIMEZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Security (production) ----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, "https://js.stripe.com"],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF, "https://api.stripe.com"],
    "frame-src": [CSP.SELF, "https://js.stripe.com", "https://hooks.stripe.com"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if IS_PRODUCTION:
    # Fly.io and nginx terminate TLS and tell us with X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = get_bool("FORCE_HTTPS", default=True)
    SECURE_HSTS_SECONDS = get_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = get_bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = get_bool("HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    USE_X_FORWARDED_HOST = False

# --- Logging and error tracking -------------------------------------------------
LOG_CHANNEL = get_choice("LOG_CHANNEL", "stderr", ("stderr", "single", "daily", "stack"))
LOG_LEVEL = get_choice(
    "LOG_LEVEL",
    "debug" if APP_ENV == "local" else "info",
    ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"),
)
_PY_LEVEL = {
    "notice": "INFO",
    "alert": "CRITICAL",
    "emergency": "CRITICAL",
}.get(LOG_LEVEL, LOG_LEVEL.upper())
LOG_FORMAT = get_choice("LOG_FORMAT", "json" if IS_PRODUCTION else "text", ("json", "text"))
_log_file = STORAGE_DIR / "logs" / "scent.log"
_handlers = {
    "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
    "single": {"class": "logging.FileHandler", "filename": _log_file, "delay": True},
    "daily": {
        "class": "logging.handlers.TimedRotatingFileHandler",
        "filename": _log_file,
        "when": "midnight",
        "backupCount": get_int("LOG_DAILY_DAYS", 14),
        "delay": True,
    },
}
_channel = "stderr" if LOG_CHANNEL == "stack" else LOG_CHANNEL
# dictConfig plus Python warnings routed into the log (one format on stderr).
LOGGING_CONFIG = "scent.core.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"},
        "json": {"()": "scent.core.logging.JsonFormatter"},
    },
    "filters": {
        "request_context": {"()": "scent.core.logging.RequestContextFilter"},
        "redact": {"()": "scent.core.logging.RedactingFilter"},
    },
    "handlers": {
        "main": _handlers[_channel]
        | {"formatter": LOG_FORMAT, "filters": ["request_context", "redact"], "level": _PY_LEVEL}
    },
    "root": {"handlers": ["main"], "level": _PY_LEVEL},
    "loggers": {
        "django": {"level": _PY_LEVEL, "propagate": True},
        "django.db.backends": {"level": "INFO", "propagate": True},
        # Access lines come from our own request logger, once per request.
        "django.server": {"level": "WARNING", "propagate": True},
        "django.request": {"level": "ERROR", "propagate": True},
        "axes": {"level": "WARNING", "propagate": True},
        # Missing template variables are logged at DEBUG by Django; too noisy for local runs.
        "django.template": {"level": "INFO", "propagate": True},
    },
}

SENTRY_DSN = get_str("SENTRY_DSN")
SENTRY_TRACES_SAMPLE_RATE = float(get_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)


def _init_error_tracking() -> None:
    """sentry-sdk with the Django integration when SENTRY_DSN is set (Sentry's documented place)."""
    from scent.ops.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=APP_ENV,
        release=APP_VERSION,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        secret_values=[SECRET_KEY, STRIPE_SECRET, STRIPE_WEBHOOK_SECRET, _db.get("PASSWORD", "")],
    )


# --- Maintenance mode (scent down / scent up) -----------------------------------
MAINTENANCE_DRIVER = get_choice("MAINTENANCE_DRIVER", "database", ("database", "cache", "file"))
MAINTENANCE_CACHE_STORE = get_str("MAINTENANCE_CACHE_STORE") or "default"
MAINTENANCE_FILE = STORAGE_DIR / "framework" / "down"
# Each process re-reads the database/cache state at most this often (seconds).
MAINTENANCE_STATE_TTL = float(get_str("MAINTENANCE_STATE_TTL", "1") or 1)
MAINTENANCE_BYPASS_COOKIE_AGE = get_int("MAINTENANCE_BYPASS_HOURS", 12) * 60 * 60

# --- Health (/health, scent health) ----------------------------------------------
HEALTH_TOKEN = get_str("HEALTH_TOKEN")  # `Authorization: Bearer <token>` shows the details
HEALTH_DB_MAX_MS = get_int("HEALTH_DB_MAX_MS", 1000)
HEALTH_QUEUE_MAX_BACKLOG = get_int("HEALTH_QUEUE_MAX_BACKLOG", 1000)
HEALTH_QUEUE_MAX_AGE = get_int("HEALTH_QUEUE_MAX_AGE", 900)  # seconds the oldest job may wait
HEALTH_SCHEDULER_MAX_AGE = get_int("HEALTH_SCHEDULER_MAX_AGE", 180)  # it beats every minute
HEALTH_DISK_MIN_FREE_MB = get_int("HEALTH_DISK_MIN_FREE_MB", 500)
HEALTH_SKIP = get_list("HEALTH_SKIP")  # e.g. "scheduler" on a box without one

# --- Backups (scent backup / backup list / restore; django-dbbackup connectors) ---
BACKUP_DISK = get_choice("BACKUP_DISK", "local", ("local", "s3"))
BACKUP_PATH = Path(get_str("BACKUP_PATH") or STORAGE_DIR / "backups")
BACKUP_NAME = (get_str("BACKUP_NAME") or "scent").lower()
BACKUP_PASSPHRASE = get_str("BACKUP_PASSPHRASE")  # set it to encrypt backups (AES-256-GCM)
BACKUP_KEEP_DAILY = get_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = get_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_TMP_DIR = get_str("BACKUP_TMP_DIR") or None
if BACKUP_DISK == "s3":
    STORAGES["dbbackup"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "access_key": get_str("BACKUP_AWS_ACCESS_KEY_ID") or get_str("AWS_ACCESS_KEY_ID"),
            "secret_key": get_str("BACKUP_AWS_SECRET_ACCESS_KEY")
            or get_str("AWS_SECRET_ACCESS_KEY"),
            "region_name": get_str("AWS_DEFAULT_REGION", "auto"),
            "bucket_name": get_str("BACKUP_AWS_BUCKET")
            or get_str("AWS_BUCKET")
            or get_str("BUCKET_NAME"),
            "endpoint_url": get_str("AWS_ENDPOINT_URL_S3") or get_str("AWS_ENDPOINT") or None,
            "addressing_style": "path" if get_bool("AWS_USE_PATH_STYLE_ENDPOINT", False) else None,
            "location": get_str("BACKUP_S3_PREFIX", "backups"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["dbbackup"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BACKUP_PATH, "file_permissions_mode": 0o600},
    }
# A consistent InnoDB snapshot without locking the shop's tables during the dump.
DBBACKUP_CONNECTORS = (
    {"default": {"DUMP_SUFFIX": "--single-transaction --default-character-set=utf8mb4"}}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
    else {}
)
DBBACKUP_SEND_EMAIL = False

# --- Shop ----------------------------------------------------------------------
SHOP_PRODUCTS_PER_PAGE = get_int("SHOP_PRODUCTS_PER_PAGE", 12)
SHOP_LOW_STOCK_THRESHOLD = get_int("SHOP_LOW_STOCK_THRESHOLD", 5)
# What search results and shared links say of a page that has no description of its own,
# and the colour of the browser bar for the installed shop (the web app manifest).
SHOP_META_DESCRIPTION = (
    "Pure essential oils, blends, diffusers and candles for calm, sleep and focus."
)
SHOP_THEME_COLOR = "#435a3f"
# Tax in basis points (2000 = 20%); prices entered tax-inclusive (EU/UK style) or not.
TAX_RATE_BPS = get_int("TAX_RATE_BPS", 0)
PRICES_INCLUDE_TAX = get_bool("PRICES_INCLUDE_TAX", default=True)
# Minutes an unpaid order holds its stock before the scheduler releases it.
PENDING_ORDER_TIMEOUT = get_int("PENDING_ORDER_TIMEOUT", 60)


# --- Production guard rails ---------------------------------------------------
def _check_production() -> None:
    """Refuse to start production with a missing or unsafe value, naming the variable."""
    if not IS_PRODUCTION:
        return
    if not SECRET_KEY:
        raise ConfigurationError(
            "APP_KEY is not set. Generate one with `scent key:generate` and set it "
            "(fly secrets set APP_KEY=... or in .env)."
        )
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_KEY:
        raise ConfigurationError(
            "APP_KEY is too short or is the development key; use `scent key:generate`."
        )
    if HEALTH_TOKEN and (len(HEALTH_TOKEN) < 32 or len(set(HEALTH_TOKEN)) < 12):
        raise ConfigurationError(
            "HEALTH_TOKEN is too short or not random; leave it empty or use 32+ random "
            "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
        )
    if DEBUG:
        raise ConfigurationError("APP_DEBUG must be false when APP_ENV=production.")
    if not APP_URL:
        raise ConfigurationError(
            "APP_URL is not set; set it to the shop's https:// address, e.g. https://shop.example.com."
        )
    if _app_url is None or _app_url.scheme != "https" or not _app_url.hostname:
        raise ConfigurationError(
            f"APP_URL must be an https:// address in production, not {APP_URL!r}."
        )
    if PAYMENT_GATEWAY == "stripe":
        for name, value, live in (
            ("STRIPE_KEY", STRIPE_KEY, "pk_live_"),
            ("STRIPE_SECRET", STRIPE_SECRET, ("sk_live_", "rk_live_")),
        ):
            if not value:
                raise ConfigurationError(f"{name} is not set but PAYMENT_GATEWAY is stripe.")
            if not value.startswith(live) and not STRIPE_ALLOW_TEST_KEYS:
                raise ConfigurationError(
                    f"{name} is a Stripe test key; production needs live keys "
                    "(set STRIPE_ALLOW_TEST_KEYS=true only on a staging shop)."
                )
        if not STRIPE_WEBHOOK_SECRET:
            raise ConfigurationError(
                "STRIPE_WEBHOOK_SECRET is not set but PAYMENT_GATEWAY is stripe."
            )
    elif not get_bool("ALLOW_TEST_GATEWAY", default=False):
        raise ConfigurationError(
            "PAYMENT_GATEWAY is the offline test gateway; set STRIPE_KEY, STRIPE_SECRET and "
            "STRIPE_WEBHOOK_SECRET for production (or ALLOW_TEST_GATEWAY=true on a demo shop)."
        )


_check_production()
_init_error_tracking()
