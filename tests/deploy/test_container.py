"""The container files: Dockerfile (hadolint), .dockerignore, the entrypoint, gunicorn's
config and fly.toml, including the guide's `fly secrets set` lines configuring the app.

tests/deploy/fixtures/guide-fly-secrets.sh is section 3.5 of the deployment guide
(shared/seed/deployment-guide.md), copied so the test runs without shared/ beside the clone.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, app_key, base_env

DOCKERFILE = (REPO / "Dockerfile").read_text()
FLY = tomllib.loads((REPO / "fly.toml").read_text())
GUIDE_SECRETS = Path(__file__).parent / "fixtures" / "guide-fly-secrets.sh"
GUIDE = REPO.parent / "shared" / "seed" / "deployment-guide.md"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(stage: str | None = None) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    result, current = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "FROM":
            current = rest.split(" AS ")[-1].strip()
        if stage is None or current == stage:
            result.append((keyword, rest.strip()))
    return result


def test_hadolint_passes_and_every_ignored_rule_is_explained():
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = DOCKERFILE.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("# hadolint ignore="):
            rule = line.split("=", 1)[1]
            assert rule in lines[n - 1] and lines[n - 1].startswith("#"), (
                f"{line!r} needs a comment above it saying why {rule} is ignored"
            )


def test_dockerfile_is_multi_stage_with_dependencies_before_code():
    froms = [args for kw, args in instructions() if kw == "FROM"]
    assert froms == [
        "python:${PYTHON_VERSION}-slim AS build",
        "python:${PYTHON_VERSION}-slim AS app",
    ]
    assert "ARG PYTHON_VERSION=3.13" in DOCKERFILE

    build = instructions("build")
    copies = [args for kw, args in build if kw == "COPY"]
    assert copies.index("pyproject.toml constraints.txt ./") < copies.index(". .")
    install = next(i for i, (kw, a) in enumerate(build) if kw == "RUN" and "pip install" in a)
    code = build.index(("COPY", ". ."))
    assert install < code, "dependencies are installed before the code is copied"
    assert "-c constraints.txt" in build[install][1]
    run_lines = " ".join(a for kw, a in build if kw == "RUN")
    assert "libmariadb-dev" in run_lines and "build-essential" in run_lines
    collect = next(a for kw, a in build if kw == "RUN" and "collectstatic" in a)
    assert "APP_ENV=production" in collect and "STATIC_MANIFEST=true" in collect


def test_runtime_image_is_non_root_and_execs_gunicorn():
    app = instructions("app")
    run_lines = " ".join(a for kw, a in app if kw == "RUN")
    assert "libmariadb3" in run_lines and "libmariadb-dev" not in run_lines
    assert "build-essential" not in run_lines
    user = next(a for kw, a in app if kw == "USER")
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0"
    assert ("EXPOSE", "8080") in app
    entrypoint = json.loads(next(a for kw, a in app if kw == "ENTRYPOINT"))
    assert entrypoint == ["/app/deploy/docker/entrypoint.sh"]
    cmd = json.loads(next(a for kw, a in app if kw == "CMD"))  # exec form: a JSON array
    assert cmd == ["gunicorn", "--config", "/app/deploy/gunicorn.conf.py", "scent.wsgi"]
    healthcheck = next(a for kw, a in app if kw == "HEALTHCHECK")
    probe = json.loads(healthcheck.split("CMD", 1)[1])
    assert probe[0] == "python" and "/up" in probe[-1]
    assert "curl" not in healthcheck and "wget" not in healthcheck
    assert os.access(REPO / "deploy" / "docker" / "entrypoint.sh", os.X_OK)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "storage", "staticfiles", "tests"} <= ignored


def run_conf(**env: str) -> dict:
    """Load deploy/gunicorn.conf.py as gunicorn does, in a clean process."""
    script = (
        "import json, runpy, sys\n"
        "ns = runpy.run_path(sys.argv[1])\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('scent', 'django'))\n"
        "keys = ('bind', 'workers', 'threads', 'worker_class', 'graceful_timeout', 'timeout',"
        " 'accesslog', 'forwarded_allow_ips', 'worker_tmp_dir', 'preload_app', 'pidfile')\n"
        "out = {k: ns[k] for k in keys}\n"
        "out['leaked'] = leaked\n"
        "out['log_formatter'] = ns['logconfig_dict']['handlers']['stderr']['formatter']\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "deploy" / "gunicorn.conf.py")],
        env=base_env(**env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_gunicorn_config_comes_from_the_environment():
    conf = run_conf(APP_ENV="production", PORT="9000", WEB_CONCURRENCY="3")
    assert conf["bind"] == ["0.0.0.0:9000"]
    assert conf["workers"] == 3
    assert conf["accesslog"] is None  # the app logs each request itself
    assert conf["forwarded_allow_ips"] == "*"
    assert conf["preload_app"] is False
    assert conf["log_formatter"] == "json"  # gunicorn's own lines as JSON in production
    # Loading the config must not leave the app's modules in the master (see release.py).
    assert conf["leaked"] == []

    vps = run_conf(GUNICORN_BIND="unix:/srv/run/gunicorn.sock", GUNICORN_PIDFILE="/srv/g.pid")
    assert vps["bind"] == ["unix:/srv/run/gunicorn.sock"]
    assert vps["pidfile"] == "/srv/g.pid"
    assert run_conf()["bind"] == ["0.0.0.0:8080"]


def test_fly_toml_runs_migrations_on_release_and_three_process_groups():
    assert FLY["build"]["dockerfile"] == "Dockerfile"
    assert FLY["deploy"]["release_command"] == "scent migrate --noinput"
    assert FLY["deploy"]["strategy"] == "rolling"
    assert 'strategy = "bluegreen"' in (REPO / "fly.toml").read_text()
    processes = FLY["processes"]
    assert set(processes) == {"app", "worker", "scheduler"}
    assert processes["app"].startswith("gunicorn --config /app/deploy/gunicorn.conf.py")
    assert processes["worker"] == "scent worker"
    assert processes["scheduler"] == "scent schedule work"
    assert (
        FLY["env"]
        | {
            "APP_ENV": "production",
            "LOG_CHANNEL": "stderr",
            "LOG_LEVEL": "info",
            "DB_CONNECTION": "mysql",
            "CACHE_DRIVER": "redis",
            "SESSION_DRIVER": "redis",
            "QUEUE_CONNECTION": "redis",
            "FILESYSTEM_DISK": "s3",
        }
        == FLY["env"]
    )

    http = FLY["http_service"]
    assert http["processes"] == ["app"]
    assert http["internal_port"] == 8080
    assert http["force_https"] is True
    assert http["auto_start_machines"] is True
    (check,) = http["checks"]
    assert check["path"] == "/up"
    assert check["headers"] == {"X-Forwarded-Proto": "https"}

    assert FLY["kill_signal"] == "SIGTERM"
    graceful = int(FLY["env"]["GUNICORN_GRACEFUL_TIMEOUT"])
    assert FLY["kill_timeout"] >= graceful
    assert run_conf(GUNICORN_GRACEFUL_TIMEOUT=str(graceful))["graceful_timeout"] == graceful
    assert {p for vm in FLY["vm"] for p in vm["processes"]} == {"app", "worker", "scheduler"}


def test_process_commands_exist():
    from django.core.management import get_commands

    commands = get_commands()
    assert {"migrate", "worker", "schedule"} <= set(commands)


def guide_secrets() -> dict[str, str]:
    values = {}
    for line in GUIDE_SECRETS.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words[:3] == ["fly", "secrets", "set"]:
            name, _, value = words[-1].partition("=")
            values[name] = value
    return values


def test_fixture_is_the_guides_section_3_5():
    if not GUIDE.is_file():
        pytest.skip("shared/ is not beside this clone")
    assert GUIDE_SECRETS.read_text().strip() in GUIDE.read_text()


def test_every_variable_the_guide_sets_is_read_by_the_settings():
    settings_source = (REPO / "scent" / "settings.py").read_text()
    names = set(guide_secrets())
    assert len(names) == 15
    for name in sorted(names):
        assert re.search(rf'get_\w+\(\s*"{name}"', settings_source), f"settings ignore {name}"


def settings_with(env: dict[str, str]) -> dict:
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "db = s.DATABASES['default']\n"
        "print(json.dumps({\n"
        "  'db': [db['ENGINE'], db['HOST'], db['PORT'], db['NAME'], db['USER'], db['PASSWORD']],\n"
        "  'cache': s.CACHES['default']['LOCATION'], 'session': s.SESSION_ENGINE,\n"
        "  'tasks': s.TASKS['default']['BACKEND'], 'mailer': s.MAILERS['default']['BACKEND'],\n"
        "  'mailgun': [s.ANYMAIL['MAILGUN_API_KEY'], s.ANYMAIL['MAILGUN_SENDER_DOMAIN']],\n"
        "  'from': s.DEFAULT_FROM_EMAIL, 'gateway': s.PAYMENT_GATEWAY,\n"
        "  'stripe': [s.STRIPE_KEY, s.STRIPE_SECRET, s.STRIPE_WEBHOOK_SECRET],\n"
        "  'storage': s.STORAGES['default'].get('OPTIONS', {}), 'debug': s.DEBUG,\n"
        "}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fly_machine_env(tmp_path) -> dict[str, str]:
    """fly.toml [env] + the guide's secrets + what `fly storage create` sets."""
    secrets = guide_secrets()
    # Placeholders the settings validate get a real value of the kind the guide asks for.
    secrets["APP_KEY"] = "base64:" + app_key()  # "Generate a fresh one for prod"
    secrets["MAIL_MAILER"] = "mailgun"  # "e.g., mailgun, ses"
    secrets["DB_PORT"] = "3306"
    tigris = {
        "AWS_ACCESS_KEY_ID": "tid_example",
        "AWS_SECRET_ACCESS_KEY": "tsec_example",
        "AWS_ENDPOINT_URL_S3": "https://fly.storage.tigris.dev",
        "AWS_REGION": "auto",
        "BUCKET_NAME": "the-scent-media",
    }
    return base_env(
        **FLY["env"],
        **secrets,
        **tigris,
        DJANGO_SETTINGS_MODULE="scent.settings",
        STORAGE_PATH=str(tmp_path / "storage"),
        APP_ENV_FILE=str(tmp_path / "no.env"),
    )


def test_guide_secrets_with_fly_toml_configure_a_production_app(tmp_path):
    s = settings_with(fly_machine_env(tmp_path))
    assert s["db"] == [
        "django.db.backends.mysql",
        "your_managed_db_host",
        "3306",
        "the_scent_prod_db_name",
        "your_prod_db_user",
        "your_prod_db_password",
    ]
    redis = "redis://default:your_fly_redis_password@your-redis-name.flycast:6379"
    assert s["cache"] == redis
    assert s["session"] == "django.contrib.sessions.backends.cache"
    assert s["tasks"].endswith("RQBackend")  # Redis queue
    assert s["mailer"] == "anymail.backends.mailgun.EmailBackend"
    assert s["mailgun"] == ["your_mailgun_secret", "your_mailgun_domain"]
    assert s["from"] == "The Scent <noreply@yourdomain.com>"
    assert s["gateway"] == "stripe"
    assert s["stripe"][0].startswith("pk_live_") and s["stripe"][2].startswith("whsec_")
    assert s["storage"]["bucket_name"] == "the-scent-media"
    assert s["storage"]["endpoint_url"] == "https://fly.storage.tigris.dev"
    assert s["debug"] is False


def entrypoint(tmp_path, env: dict[str, str], *cmd: str) -> subprocess.CompletedProcess:
    """Run deploy/docker/entrypoint.sh with a `scent` on PATH laid out like the image's."""
    app = tmp_path / "app"
    (app / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    if not (app / "manage.py").exists():
        (app / "manage.py").symlink_to(REPO / "manage.py")
        (app / ".venv" / "bin" / "python").symlink_to(sys.executable)
        (app / ".venv" / "bin" / "scent").symlink_to(REPO / "deploy" / "bin" / "scent")
    env = env | {"PATH": f"{app / '.venv' / 'bin'}:{env['PATH']}"}
    return subprocess.run(
        [str(REPO / "deploy" / "docker" / "entrypoint.sh"), *cmd],
        env=env,
        capture_output=True,
        text=True,
    )


def test_entrypoint_checks_the_guides_configuration_then_execs_the_command(tmp_path):
    env = fly_machine_env(tmp_path)
    result = entrypoint(tmp_path, env, "sh", "-c", 'echo "running as pid $$"')
    assert result.returncode == 0, result.stderr
    assert "System check identified" in result.stderr
    assert result.stdout.startswith("running as pid")
    for sub in ("app/public", "logs", "framework/cache", "framework/sessions"):
        assert (tmp_path / "storage" / sub).is_dir()


def test_entrypoint_stops_with_one_line_naming_the_missing_variable(tmp_path):
    env = fly_machine_env(tmp_path)
    del env["APP_KEY"]
    result = entrypoint(tmp_path, env, "gunicorn")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "scent: configuration error: APP_KEY is not set. Generate one with `scent key:generate` "
        "and set it (fly secrets set APP_KEY=... or in .env)."
    ]


def test_entrypoint_refuses_an_unwritable_storage_path(tmp_path):
    # Not even root can create a directory in /proc: stands for a root-owned Fly volume.
    env = fly_machine_env(tmp_path) | {"STORAGE_PATH": "/proc/scent-storage"}
    result = entrypoint(tmp_path, env, "true")
    assert result.returncode == 1
    assert "is not writable" in result.stderr
