"""gunicorn settings for the image (Fly.io) and the VPS, all from the environment.

    gunicorn -c deploy/gunicorn.conf.py scent.wsgi

PORT                 port to listen on in the container (default 8080)
GUNICORN_BIND        overrides PORT, e.g. unix:/var/www/the-scent/shared/run/gunicorn.sock
WEB_CONCURRENCY      worker processes (default 2: a 512 MB machine)
GUNICORN_THREADS     threads per worker (default 4)
GUNICORN_TIMEOUT     seconds before a stuck worker is killed and replaced (default 60)
GUNICORN_GRACEFUL_TIMEOUT  seconds in-flight requests get on SIGTERM/HUP (default 30);
                     fly.toml's kill_timeout and Supervisor's stopwaitsecs are longer
GUNICORN_PIDFILE     pid file of the master (the VPS release tool sends it HUP)
FORWARDED_ALLOW_IPS  addresses whose X-Forwarded-* headers are trusted (default "*": the
                     app is only reachable through Fly's proxy or nginx on a unix socket)
LOG_LEVEL            the app's level name, also used for gunicorn's own messages
"""

import importlib.util
import json
import os
import sys
import sysconfig
from pathlib import Path

_PORT = os.environ.get("PORT", "8080")
bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_PORT}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads keep a worker useful while one request waits on the database or Stripe,
# and let Fly's proxy reuse connections (sync workers close every connection).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# A worker is replaced after this many requests: bounded memory growth, no downtime.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# TLS ends at Fly's proxy or nginx; trust their X-Forwarded-Proto so url_scheme is https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The app logs every request itself (one JSON line with request id, user, status,
# duration), so gunicorn's access log would only duplicate it.
accesslog = None
errorlog = "-"


def _app_log_config() -> dict | None:
    """gunicorn's own lines (boot, reload, worker exits) in the app's format (JSON in production).

    scent/core/logging.py is loaded under a private name and every module that loading pulled
    in (scent.*, django.*) is dropped again: the master must hold none of the app's modules,
    or workers forked after a HUP would run the old release's copies of them.
    """
    source = Path(__file__).resolve().parent.parent / "scent" / "core" / "logging.py"
    if not source.is_file():
        return None
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location("scent_gunicorn_logging", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.gunicorn_logconfig_dict()
    stdlib = sysconfig.get_paths()["stdlib"]
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules[name], "__file__", None)
        if origin and (not origin.startswith(stdlib) or "-packages" in origin):
            del sys.modules[name]
    sys.modules[spec.name] = module  # what the config's "()" factories below refer to
    return json.loads(
        json.dumps(config).replace('"scent.core.logging.', '"scent_gunicorn_logging.')
    )


logconfig_dict = _app_log_config() or {}
loglevel = {
    "notice": "info",
    "alert": "critical",
    "emergency": "critical",
}.get(os.environ.get("LOG_LEVEL", "info").lower(), os.environ.get("LOG_LEVEL", "info").lower())

# The heartbeat file lives in memory: a container's disk may be slow or read-only.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
# gunicorn's runtime control socket defaults to one path per user, which two gunicorns
# on one box would share; nothing here uses it.
control_socket_disable = True
# The app is imported by each worker, not by the master: a worker started after the
# `current` symlink moved (TTIN, or every worker after a HUP) runs the new release's code
# and virtualenv, which is how a VPS release goes live without dropping a request.
preload_app = False

# With a pid file (the VPS), each worker that has loaded the app says so with a file
# <pidfile dir>/workers/<pid>: deploy/release.py waits for the new release's workers to be
# ready before it retires the old ones.
_ready_dir = Path(pidfile).with_name("workers") if pidfile else None


def on_starting(server) -> None:
    if _ready_dir is not None and _ready_dir.is_dir():
        for stale in _ready_dir.iterdir():  # left by a master that was killed
            stale.unlink(missing_ok=True)


def post_fork(server, worker) -> None:
    # A worker's working directory is the release `current` points to now, not the one
    # the master resolved when it started (--chdir names the symlink).
    os.chdir(server.cfg.chdir)


def post_worker_init(worker) -> None:
    if _ready_dir is not None:
        _ready_dir.mkdir(parents=True, exist_ok=True)
        (_ready_dir / str(worker.pid)).touch()


def child_exit(server, worker) -> None:
    if _ready_dir is not None:
        (_ready_dir / str(worker.pid)).unlink(missing_ok=True)
