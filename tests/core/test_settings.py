"""The configuration contract: the guide's variable names, safe production start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENT = [sys.executable, "-m", "scent.cli"]
LIVE_KEY = "base64:" + "k" * 20 + "Z9x!m#Q2w@e4R5t^y7U8i*o0P" + "z" * 10

PRODUCTION = {
    "APP_ENV": "production",
    "APP_KEY": LIVE_KEY,
    "APP_DEBUG": "false",
    "APP_URL": "https://shop.example.com",
    "STRIPE_KEY": "pk_live_123",
    "STRIPE_SECRET": "sk_live_456",
    "STRIPE_WEBHOOK_SECRET": "whsec_789",
}


def run_scent(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run `scent ...` in a clean environment (no .env, no inherited APP_* variables).

    DJANGO_ALLOW_ASYNC_UNSAFE is dropped too: the browser tests set it in this process
    while Chromium runs, and Django's deployment checklist rightly refuses it.
    """
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APP_", "DB_", "STRIPE_", "MAIL_", "PYTEST", "DATABASE_URL"))
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base |= {"APP_ENV_FILE": str(tmp_path / "no.env"), "STORAGE_PATH": str(tmp_path / "storage")}
    return subprocess.run(
        [*SCENT, *args], env=base | env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def settings_value(name: str, env: dict[str, str], tmp_path: Path) -> str:
    code = f"from scent.settings import *; print({name})"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DB_", "PYTEST"))}
    base |= {"APP_ENV_FILE": str(tmp_path / "no.env"), "STORAGE_PATH": str(tmp_path / "storage")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=base | env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"APP_KEY": ""}, "APP_KEY"),
        ({"APP_KEY": "short"}, "APP_KEY"),
        ({"APP_DEBUG": "true"}, "APP_DEBUG"),
        ({"APP_URL": ""}, "APP_URL"),
        ({"APP_URL": "http://shop.example.com"}, "APP_URL"),
        ({"STRIPE_SECRET": "sk_test_456"}, "STRIPE_SECRET"),
        ({"STRIPE_KEY": "pk_test_123"}, "STRIPE_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET"),
        ({"HEALTH_TOKEN": "x"}, "HEALTH_TOKEN"),
        ({"HEALTH_TOKEN": "a" * 64}, "HEALTH_TOKEN"),
        ({"HEALTH_TOKEN": "0123456789abcdefghijklmnopqrstu"}, "HEALTH_TOKEN"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({"REGISTER_RATE": "lots"}, "REGISTER_RATE"),
        ({"LOGIN_FAILURE_RATE": "20/0m"}, "LOGIN_FAILURE_RATE"),
    ],
)
def test_production_refuses_to_start_with_an_unsafe_value_and_names_it(change, variable, tmp_path):
    # given production settings with one missing or unsafe value
    env = PRODUCTION | change
    # when the operator runs any command
    done = run_scent(["check"], env, tmp_path)
    # then it stops with one clear line naming the variable, not a traceback
    assert done.returncode == 1
    assert done.stderr.startswith("scent: configuration error:")
    assert variable in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_production_accepts_a_long_random_health_token(tmp_path):
    # given a token as the error message suggests (secrets.token_urlsafe(32))
    import secrets

    env = PRODUCTION | {"HEALTH_TOKEN": secrets.token_urlsafe(32)}
    # when the shop starts, then it is accepted
    done = run_scent(["check"], env, tmp_path)
    assert done.returncode == 0, done.stderr


def test_client_addresses_trust_one_proxy_in_production_and_fly_client_ip_only_on_fly(tmp_path):
    assert settings_value("TRUSTED_PROXY_COUNT", PRODUCTION, tmp_path) == "1"
    assert settings_value("TRUSTED_PROXY_COUNT", {"APP_ENV": "local"}, tmp_path) == "0"
    assert "FLY" not in settings_value("CLIENT_IP_HEADERS", PRODUCTION, tmp_path)
    on_fly = settings_value("CLIENT_IP_HEADERS", PRODUCTION | {"FLY_APP_NAME": "shop"}, tmp_path)
    assert on_fly.startswith("['HTTP_FLY_CLIENT_IP'")


def test_production_without_stripe_needs_an_explicit_test_gateway_opt_in(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("STRIPE")}
    refused = run_scent(["check"], env, tmp_path)
    assert refused.returncode == 1 and "PAYMENT_GATEWAY" in refused.stderr
    allowed = run_scent(["check"], env | {"ALLOW_TEST_GATEWAY": "true"}, tmp_path)
    assert allowed.returncode == 0, allowed.stderr


def test_production_settings_pass_djangos_deployment_checklist(tmp_path):
    done = run_scent(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_bad_boolean_is_reported_with_the_variable_name(tmp_path):
    done = run_scent(["check"], {"APP_DEBUG": "maybe"}, tmp_path)
    assert done.returncode == 1
    assert "APP_DEBUG must be true or false" in done.stderr


def test_unknown_driver_is_refused_with_the_allowed_values(tmp_path):
    done = run_scent(["check"], {"CACHE_DRIVER": "memcached"}, tmp_path)
    assert done.returncode == 1
    assert "CACHE_DRIVER='memcached' is not supported" in done.stderr
    assert "redis" in done.stderr


def test_key_generate_prints_a_fresh_key_that_production_accepts(tmp_path):
    first = run_scent(["key:generate"], {}, tmp_path).stdout.strip()
    second = run_scent(["key:generate"], {}, tmp_path).stdout.strip()
    assert first != second
    assert first.startswith("base64:") and len(first) >= 57
    accepted = run_scent(["check", "--deploy"], PRODUCTION | {"APP_KEY": first}, tmp_path)
    assert accepted.returncode == 0, accepted.stderr


def test_app_url_derives_allowed_hosts_and_trusted_origins(tmp_path):
    assert "shop.example.com" in settings_value("ALLOWED_HOSTS", PRODUCTION, tmp_path)
    assert settings_value("CSRF_TRUSTED_ORIGINS", PRODUCTION, tmp_path) == (
        "['https://shop.example.com']"
    )


def test_production_hashes_passwords_with_argon2(tmp_path):
    hashers = settings_value("PASSWORD_HASHERS", PRODUCTION, tmp_path)
    assert hashers.startswith("['django.contrib.auth.hashers.Argon2PasswordHasher'")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.db.backends.sqlite3"),
        ({"DB_CONNECTION": "mysql"}, "django.db.backends.mysql"),
        ({"DB_CONNECTION": "mariadb"}, "django.db.backends.mysql"),
        ({"DB_CONNECTION": "pgsql"}, "django.db.backends.postgresql"),
        (
            {"DB_CONNECTION": "sqlite", "DATABASE_URL": "postgres://u:p@db.internal:5432/shop"},
            "django.db.backends.postgresql",
        ),
    ],
)
def test_db_connection_names_select_the_database_engine(env, expected, tmp_path):
    assert settings_value("DATABASES['default']['ENGINE']", env, tmp_path) == expected


def test_guide_style_db_variables_fill_the_connection(tmp_path):
    env = {
        "DB_CONNECTION": "mysql",
        "DB_HOST": "db.example.net",
        "DB_PORT": "3307",
        "DB_DATABASE": "the_scent_prod_db_name",
        "DB_USERNAME": "scent",
        "DB_PASSWORD": "s3cret'quote",
    }
    value = settings_value(
        "[DATABASES['default'][k] for k in ('HOST','PORT','NAME','USER','PASSWORD')]", env, tmp_path
    )
    assert value == str(
        ["db.example.net", "3307", "the_scent_prod_db_name", "scent", "s3cret'quote"]
    )


@pytest.mark.parametrize(
    ("driver", "engine"),
    [
        ("database", "django.contrib.sessions.backends.db"),
        ("redis", "django.contrib.sessions.backends.cache"),
        ("cookie", "django.contrib.sessions.backends.signed_cookies"),
        ("file", "django.contrib.sessions.backends.file"),
    ],
)
def test_session_driver_selects_the_session_engine(driver, engine, tmp_path):
    assert settings_value("SESSION_ENGINE", {"SESSION_DRIVER": driver}, tmp_path) == engine


def test_dotenv_file_is_read_but_real_environment_wins(tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("APP_NAME=Dotenv Scent\nSHOP_CURRENCY=EUR\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "PYTEST"))}
    base |= {"APP_ENV_FILE": str(env_file), "STORAGE_PATH": str(tmp_path), "SHOP_CURRENCY": "GBP"}
    done = subprocess.run(
        [sys.executable, "-c", "import scent.settings as s; print(s.APP_NAME, s.SHOP_CURRENCY)"],
        env=base,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "Dotenv Scent GBP"
