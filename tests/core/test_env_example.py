"""`.env.example` is the one list of variables: complete, and a working local config."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from dotenv import dotenv_values

from tests.core.test_settings import ROOT, run_scent

# Read by settings but not for operators to set.
NOT_OPERATOR_VARIABLES = {"PYTEST_VERSION", "FLY_IMAGE_REF"}


def variables_read_by_the_code() -> set[str]:
    pattern = re.compile(r'get_(?:str|bool|int|choice|list|rate)\(\s*"([A-Z][A-Z0-9_]+)"')
    names: set[str] = set()
    for path in (ROOT / "scent").rglob("*.py"):
        names |= set(pattern.findall(path.read_text()))
    return names - NOT_OPERATOR_VARIABLES


def test_every_variable_the_code_reads_is_documented_in_env_example():
    documented = set(dotenv_values(ROOT / ".env.example"))
    missing = sorted(variables_read_by_the_code() - documented)
    assert missing == [], f"add these to .env.example: {missing}"


def test_a_copy_of_env_example_is_a_working_local_configuration(tmp_path):
    # given a fresh `.env` copied from the example, as the README says
    env_file = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", env_file)
    # when the shop starts with it
    done = run_scent(["check"], {"APP_ENV_FILE": str(env_file)}, tmp_path)
    # then nothing is refused and the defaults apply (empty values mean "default")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_guide_variables_are_in_env_example():
    guide_names = {
        "APP_KEY", "APP_ENV", "APP_DEBUG", "APP_URL", "DB_CONNECTION", "DB_HOST", "DB_PORT",
        "DB_DATABASE", "DB_USERNAME", "DB_PASSWORD", "REDIS_URL", "CACHE_DRIVER",
        "SESSION_DRIVER", "QUEUE_CONNECTION", "MAIL_MAILER", "MAILGUN_DOMAIN", "MAILGUN_SECRET",
        "MAIL_FROM_ADDRESS", "MAIL_FROM_NAME", "STRIPE_KEY", "STRIPE_SECRET",
        "STRIPE_WEBHOOK_SECRET", "LOG_CHANNEL", "LOG_LEVEL",
    }  # fmt: skip
    assert guide_names <= set(dotenv_values(ROOT / ".env.example"))


def test_env_file_is_never_committed():
    ignored = (Path(ROOT) / ".gitignore").read_text().split()
    assert ".env" in ignored
