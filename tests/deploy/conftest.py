"""Real servers for the deployment tests: nginx, gunicorn, supervisord, a release tree.

Everything binds 127.0.0.1 on a port picked at run time, lives in a short temporary
directory (unix socket paths are limited to 108 bytes) and is stopped afterwards.

Virtualenvs: a release (deploy/release.py) or the "image" test creates a real, fresh
virtualenv and runs `pip install -c constraints.txt -r <runtime requirements>` in it,
but with PYTHONPATH pointing at the test runner's own site-packages and PIP_NO_INDEX=1:
pip then finds every pinned requirement already satisfied (and would fail, not download,
if the lock asked for anything else), so a release takes seconds and needs no network.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VPS = REPO / "deploy" / "vps"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE_PACKAGES = sysconfig.get_paths()["purelib"]
VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 60  # seconds to wait for a server to listen (not an assertion)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def short_tmpdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"scent-{prefix}-", dir="/tmp"))


def wait_until(check, what: str, timeout: float = SERVER_START_TIMEOUT, proc=None, log=None):
    """Poll until check() is truthy; fail with the server's log if it died or never came up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError):
            result = check()
            if result:
                return result
        time.sleep(0.1)
    pytest.fail(f"{what} not ready after {timeout}s:\n{_tail(log)}")


def _tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def unix_socket_open(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(path))
        return True


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def app_key() -> str:
    return secrets.token_urlsafe(48)


def base_env(**extra: str) -> dict[str, str]:
    """A clean environment for the app's processes: no pytest, no outer DB_* choices."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": SITE_PACKAGES,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.update(extra)
    return env


def production_env(url: str, storage: Path, **extra: str) -> dict[str, str]:
    """What an operator's .env / fly secrets would hold, for a demo shop (SQLite unless
    `extra` names another database)."""
    values = {
        "APP_ENV": "production",
        "APP_KEY": app_key(),
        "APP_URL": url,
        "ALLOW_TEST_GATEWAY": "true",
        "DB_CONNECTION": "sqlite",
        "CACHE_DRIVER": "file",
        "STORAGE_PATH": str(storage),
        "LOG_LEVEL": "warning",
    }
    return base_env(**(values | extra))


# --- TLS ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory) -> Path:
    """A self-signed certificate for localhost/127.0.0.1, laid out like certbot's."""
    live = tmp_path_factory.mktemp("letsencrypt") / "live" / "shop.test"
    live.mkdir(parents=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "30",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(live / "privkey.pem"), "-out", str(live / "fullchain.pem"),
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return live


def tls_context(cert_dir: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert_dir / "fullchain.pem"))


# --- nginx --------------------------------------------------------------------------
def render_site(root: Path, cert_dir: Path, http_port: int, https_port: int) -> str:
    """deploy/vps/nginx/the-scent.conf with this machine's paths and ports."""
    site = (VPS / "nginx" / "the-scent.conf").read_text()
    site = site.replace("/var/www/the-scent", str(root))
    site = site.replace("/etc/letsencrypt/live/shop.example.com", str(cert_dir))
    site = site.replace("/var/www/letsencrypt", str(root / "letsencrypt"))
    site = site.replace("server_name shop.example.com;", "server_name localhost;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)


@dataclass
class Nginx:
    root: Path
    cert_dir: Path
    workdir: Path = field(default_factory=lambda: short_tmpdir("nginx"))
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.workdir / "nginx.conf"

    @property
    def error_log(self) -> Path:
        return self.workdir / "error.log"

    def write_config(self) -> None:
        (self.workdir / "site.conf").write_text(
            render_site(self.root, self.cert_dir, self.http_port, self.https_port)
        )
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read /tmp dirs
        temp = "\n".join(
            f"  {kind}_temp_path {self.workdir}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        self.conf.write_text(
            f"""{user}
daemon off;
worker_processes 1;
pid {self.workdir}/nginx.pid;
error_log {self.error_log} warn;
events {{ worker_connections 512; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
{temp}
  include {self.workdir}/site.conf;
}}
"""
        )

    def test_config(self) -> subprocess.CompletedProcess:
        self.write_config()
        return subprocess.run(
            [NGINX, "-t", "-p", str(self.workdir), "-c", str(self.conf), "-e", str(self.error_log)],
            capture_output=True,
            text=True,
            check=False,
        )

    def start(self) -> Nginx:
        self.write_config()
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", str(self.conf), "-e", str(self.error_log)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "wb"),  # noqa: SIM115
        )
        wait_until(
            lambda: port_open(self.https_port) and port_open(self.http_port),
            "nginx",
            proc=self.proc,
            log=self.error_log,
        )
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, signal.SIGQUIT)  # graceful shutdown
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def https(self, timeout: float = 30) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            "localhost", self.https_port, context=tls_context(self.cert_dir), timeout=timeout
        )

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = self.https()
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


# --- a release tree built by deploy/release.py ---------------------------------------
@dataclass
class Site:
    root: Path
    env: dict[str, str]
    log: Path
    drop_database: Callable[[], None] = lambda: None

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.drop_database()

    @property
    def socket(self) -> Path:
        return self.root / "shared" / "run" / "gunicorn.sock"

    @property
    def pidfile(self) -> Path:
        return self.root / "shared" / "run" / "gunicorn.pid"

    def workers(self) -> set[str]:
        master = self.pidfile.read_text().strip()
        return set(Path(f"/proc/{master}/task/{master}/children").read_text().split())

    def reload_workers(self) -> None:
        """HUP gunicorn and wait until every worker is a new one (it re-read shared/.env)."""
        old = self.workers()
        os.kill(int(self.pidfile.read_text()), signal.SIGHUP)
        wait_until(lambda: (now := self.workers()) and not now & old, "new gunicorn workers")

    def release(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, str(REPO / "deploy" / "release.py"), "--root", str(self.root), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        with self.log.open("a") as log:
            log.write(f"$ release.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if check and result.returncode != 0:
            pytest.fail(f"release.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def deploy(self) -> str:
        self.release("deploy", "--source", str(REPO), "--python", sys.executable, "--keep", "3")
        return self.current_id()

    def current_id(self) -> str:
        return os.readlink(self.root / "current").split("/")[-1]

    def gunicorn_command(self) -> list[str]:
        """The Supervisor program's command line, with this tree's root."""
        conf = (VPS / "supervisor" / "the-scent.conf").read_text()
        line = next(
            line for line in conf.splitlines() if line.startswith("command=") and "gunicorn" in line
        )
        return line.removeprefix("command=").replace("/var/www/the-scent", str(self.root)).split()

    @contextlib.contextmanager
    def gunicorn(self) -> Iterator[subprocess.Popen]:
        env = self.env | {
            "GUNICORN_BIND": f"unix:{self.socket}",
            "GUNICORN_PIDFILE": str(self.pidfile),
            "WEB_CONCURRENCY": "2",
        }
        log = self.root / "gunicorn.log"
        proc = subprocess.Popen(
            self.gunicorn_command(),
            cwd=self.root / "current",
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        try:
            wait_until(lambda: unix_socket_open(self.socket), "gunicorn", proc=proc, log=log)
            yield proc
        finally:
            stop(proc)


def external_database() -> tuple[dict[str, str], Callable[[], None]]:
    """The suite's DB_CONNECTION for a deployed site: SQLite, or a fresh MariaDB/PostgreSQL
    database of its own (the Makefile's second pass runs with DB_CONNECTION=mariadb)."""
    connection = os.environ.get("DB_CONNECTION", "sqlite")
    name = f"scent_deploy_{secrets.token_hex(4)}"
    if connection in ("mysql", "mariadb"):
        import MySQLdb

        def server():
            return MySQLdb.connect(host="127.0.0.1", user="root", password="")

        with contextlib.closing(server()) as db:
            db.cursor().execute(
                f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )

        def drop() -> None:
            with contextlib.closing(server()) as db:
                db.cursor().execute(f"DROP DATABASE IF EXISTS {name}")

        env = {"DB_CONNECTION": "mysql", "DB_HOST": "127.0.0.1", "DB_USERNAME": "root"}
        return env | {"DB_DATABASE": name}, drop
    if connection == "pgsql":
        import psycopg

        def admin(sql: str) -> None:
            with psycopg.connect(
                host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
            ) as db:
                db.execute(sql)

        admin(f"CREATE DATABASE {name}")
        env = {"DB_CONNECTION": "pgsql", "DB_HOST": "127.0.0.1", "DB_USERNAME": "postgres"}
        return env | {"DB_DATABASE": name}, lambda: admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )
    return {"DB_CONNECTION": "sqlite"}, lambda: None


def make_site(cert_dir: Path, https_port: int, **env: str) -> Site:
    """A deploy root with shared/.env as an operator would write it (no release yet)."""
    root = short_tmpdir("site")
    (root / "shared").mkdir()
    url = f"https://localhost:{https_port}"
    database, drop = external_database()
    values = production_env(url, root / "shared" / "storage", **(database | env))
    # The operator's shared/.env; STORAGE_PATH comes from the release's storage link.
    values.pop("STORAGE_PATH")
    dotenv = {k: v for k, v in values.items() if k.isupper() and k not in base_env()}
    (root / "shared" / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    return Site(root=root, env=base_env(), log=root / "release.log", drop_database=drop)
