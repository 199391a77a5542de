"""The multi-node rehearsal: the shop on loopback as it runs in production, under faults.

    .venv/bin/python scripts/rehearse.py [--buyers 4] [--browsers 4] [--smtp-outage 30]
                                         [--smtp-delay 0.3] [--queue redis|database]
                                         [--keep]      (leave the temp dir for a look)

Starts, on 127.0.0.1 only and in a temporary directory: its own mariadbd (a fresh
datadir, database the_scent_rehearsal, migrated and seeded) and its own redis-server
(append-only file, so a restart keeps the queue) -- never the machine's shared servers,
which the faults restart --, two app nodes (gunicorn with deploy/gunicorn.conf.py,
APP_ENV=production, the offline test gateway allowed by ALLOW_TEST_GATEWAY=true), two
queue workers and two schedulers (`scent worker`, `scent schedule work`), nginx in front
of both nodes with deploy/vps/nginx/the-scent.conf (loopback ports, a self-signed
certificate, the upstream listing both nodes), and an SMTP server (aiosmtpd in a
subprocess, each message recorded with its Message-ID in smtp.jsonl as it arrives,
and answered --smtp-delay seconds later).

Browsing shoppers (home, list, product pages, cart) and buyers (bench/checkout.py's
Visit: product page, add to cart with CSRF, contact, address, delivery, review, place, pay
with the test card, confirmation) run on threads through nginx while the faults are
applied in order:

1. app node: SIGKILL one gunicorn master and its workers, start it again;
2. worker: SIGKILL the worker (and its work horse) whose connection the SMTP server is
   answering, i.e. in the middle of sending an e-mail;
3. smtp: stop the SMTP server for --smtp-outage seconds, start it again;
4. redis: restart the rehearsal's redis-server;
5. mariadb: restart the rehearsal's mariadbd (requests meanwhile must get the shop's
   503 page, never a traceback or a bare 500);
6. release: the Fly equivalent of a deploy: `scent migrate --noinput`, then each app node
   is stopped gracefully (SIGTERM) and started again, one at a time.

Then the load stops, the queue is given time to drain, and it checks: every order a
buyer saw confirmed exists exactly once; no order exists that no buyer placed; stock is
the starting stock minus what the orders took; every paid order's confirmation e-mail
reached the SMTP server (lost otherwise); a Message-ID received twice is a repeat (a
retried send the worker could not know had arrived), two different messages for one
order and template a duplicate. One line per fault, then the summary; exit 1 on any
failure. Everything started is stopped at the end, also on an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "the_scent_rehearsal"
NGINX_SITE = ROOT / "deploy" / "vps" / "nginx" / "the-scent.conf"
CONFIRMATION = re.compile(r"Thank you for your order (\S+)")
BROWSE = ("/", "/products/", "/products/?sort=price_asc", "/cart/")
BINARIES = ("mariadbd", "mariadb-install-db", "redis-server", "nginx", "openssl")
START_TIMEOUT = 90


class RehearsalError(Exception):
    """Something the rehearsal needs did not come up; the message says what."""


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"rehearse: [{time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(check, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RehearsalError(f"{what} exited with {proc.returncode}:\n{tail(log)}")
        if check():
            return
        time.sleep(0.1)
    raise RehearsalError(f"{what} not ready after {START_TIMEOUT} s:\n{tail(log)}")


def tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            found += [int(c) for c in children]
            todo += [int(c) for c in children]
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything it started (a crash of the machine it runs on)."""
    for target in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def local_port_owner_inode(port: int) -> str | None:
    """The socket inode of the loopback TCP connection whose local port is `port`."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            return fields[9]
    return None


# --- processes ------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    ready: object = None  # a callable, True when the process serves
    proc: subprocess.Popen | None = None

    def start(self) -> Proc:
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,  # Ctrl-C on the rehearsal reaches us, not them
        )
        if self.ready is not None:
            wait_for(self.ready, self.name, self.proc, self.log)
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_tree(self.proc.pid)
                self.proc.wait()
        # Anything it left behind (a work horse, a gunicorn worker) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        if self.proc is not None:
            kill_tree(self.proc.pid)
            self.proc.wait()


@dataclass
class Cluster:
    tmp: Path
    smtp_delay: float
    queue: str
    procs: dict[str, Proc] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("mariadb", "redis", "smtp", "app1", "app2", "https", "http"):
            self.ports[name] = free_port()
        (self.tmp / "logs").mkdir()

    @property
    def base(self) -> str:
        return f"https://localhost:{self.ports['https']}"

    @property
    def cert(self) -> Path:
        return self.tmp / "tls" / "fullchain.pem"

    def log(self, name: str) -> Path:
        return self.tmp / "logs" / f"{name}.log"

    def add(self, name: str, command: list[str], ready=None, env: dict | None = None) -> Proc:
        proc = Proc(name, command, env or self.env, self.log(name), ready)
        self.procs[name] = proc
        return proc

    # MariaDB and Redis of our own, so restarting them disturbs no one else.
    def start_mariadb(self) -> None:
        data = self.tmp / "mariadb"
        if not data.exists():
            result = subprocess.run(
                [
                    shutil.which("mariadb-install-db") or "mariadb-install-db",
                    "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", *(["--user=root"] if os.geteuid() == 0 else []),
                ],
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise RehearsalError(f"mariadb-install-db failed:\n{result.stderr[-2000:]}")
        port = self.ports["mariadb"]
        self.add(
            "mariadb",
            [
                shutil.which("mariadbd") or "/usr/sbin/mariadbd",
                "--no-defaults", f"--datadir={data}", f"--port={port}",
                "--bind-address=127.0.0.1", f"--socket={self.tmp}/mariadb.sock",
                f"--pid-file={self.tmp}/mariadb.pid", "--skip-name-resolve",
                "--innodb-buffer-pool-size=64M", "--max-connections=200",
                # A rehearsal's data need not survive a power cut: migrations run faster.
                "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
                *(["--user=root"] if os.geteuid() == 0 else []),
            ],
            ready=lambda: port_open(port),
            env=dict(os.environ),
        ).start()  # fmt: skip

    def start_redis(self) -> None:
        port = self.ports["redis"]
        self.add(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.tmp),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--protected-mode", "no",
            ],
            ready=lambda: port_open(port),
            env=dict(os.environ),
        ).start()  # fmt: skip

    def start_smtp(self) -> None:
        port = self.ports["smtp"]
        self.add(
            "smtp",
            [
                sys.executable, str(Path(__file__).resolve()), "smtp", "--port", str(port),
                "--record", str(self.tmp / "smtp.jsonl"), "--delay", str(self.smtp_delay),
            ],
            ready=lambda: port_open(port),
            env=dict(os.environ),
        ).start()  # fmt: skip

    def shop_env(self) -> dict[str, str]:
        cleared = ("APP_", "DB_", "CACHE_", "SESSION_", "QUEUE_", "REDIS_", "MAIL_", "STRIPE_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env |= {
            "APP_ENV": "production",
            "APP_DEBUG": "false",
            "APP_KEY": secrets.token_urlsafe(48),
            "APP_URL": self.base,
            "APP_ENV_FILE": str(self.tmp / "none.env"),
            "ALLOW_TEST_GATEWAY": "true",
            "HEALTH_TOKEN": secrets.token_urlsafe(32),
            "DB_CONNECTION": "mariadb",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.ports["mariadb"]),
            "DB_DATABASE": DATABASE,
            "DB_USERNAME": "root",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/3",
            "CACHE_DRIVER": "redis",
            "SESSION_DRIVER": "redis",
            "QUEUE_CONNECTION": self.queue,
            "MAIL_MAILER": "smtp",
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": str(self.ports["smtp"]),
            "MAIL_TIMEOUT": "10",
            "STORAGE_PATH": str(self.tmp / "storage"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "warning",
            "TRUSTED_PROXY_COUNT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        return env

    def scent(self, *args: str) -> None:
        result = subprocess.run(
            [str(BIN / "scent"), *args], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RehearsalError(f"scent {' '.join(args)} failed:\n{result.stderr[-3000:]}")

    def prepare_shop(self) -> None:
        subprocess.run(
            ["mariadb", "-h127.0.0.1", f"-P{self.ports['mariadb']}", "-uroot", "-e",
             f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"],
            check=True,
        )  # fmt: skip
        for sub in ("app/public", "logs", "framework/cache", "framework/sessions"):
            (self.tmp / "storage" / sub).mkdir(parents=True, exist_ok=True)
        self.scent("migrate", "--noinput", "-v0")
        self.scent("seed")
        self.scent("collectstatic", "--noinput", "-v0")

    def app_node(self, n: int) -> Proc:
        port = self.ports[f"app{n}"]
        env = self.env | {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
        return self.add(
            f"app{n}",
            [str(BIN / "python"), "-m", "gunicorn", "--config",
             str(ROOT / "deploy" / "gunicorn.conf.py"), "scent.wsgi"],
            ready=lambda: port_open(port),
            env=env,
        )  # fmt: skip

    def start_nginx(self) -> None:
        tls = self.tmp / "tls"
        tls.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-nodes", "-days", "2", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", str(tls / "privkey.pem"),
             "-out", str(tls / "fullchain.pem"), "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        (self.tmp / "nginx").mkdir()
        (self.tmp / "nginx" / "site.conf").write_text(self.render_site())
        user = "user root;" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"  {kind}_temp_path {self.tmp}/nginx/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = self.tmp / "nginx" / "nginx.conf"
        conf.write_text(
            f"{user}\ndaemon off;\nworker_processes 2;\npid {self.tmp}/nginx/nginx.pid;\n"
            f"error_log {self.log('nginx')} warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log off;\n{temp}\n  include {self.tmp}/nginx/site.conf;\n}}\n"
        )
        https = self.ports["https"]
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.add(
            "nginx",
            [nginx, "-p", str(self.tmp / "nginx"), "-c", str(conf), "-e", str(self.log("nginx"))],
            ready=lambda: port_open(https),
            env=dict(os.environ),
        ).start()

    def render_site(self, down: tuple[int, ...] = ()) -> str:
        """deploy's nginx site with loopback ports, our paths and both app nodes upstream."""
        site = NGINX_SITE.read_text()
        upstream = re.search(r"upstream the_scent \{.*?\n\}", site, re.S)
        if upstream is None:
            raise RehearsalError(f"no `upstream the_scent` block in {NGINX_SITE}")
        unix = re.search(r"^\s*server unix:\S+ (.*);$", upstream.group(0), re.M)
        options = unix.group(1) if unix else "fail_timeout=0"
        servers = "".join(
            f"    server 127.0.0.1:{self.ports[f'app{n}']} {options}{' down' * (n in down)};\n"
            for n in (1, 2)
        )
        site = site.replace(upstream.group(0), "upstream the_scent {\n" + servers + "}")
        site = site.replace("/var/www/the-scent/current/staticfiles", str(self.tmp / "static"))
        site = site.replace("/var/www/the-scent/shared/storage", str(self.tmp / "storage"))
        site = site.replace("/etc/letsencrypt/live/shop.example.com", str(self.tmp / "tls"))
        site = site.replace("/var/www/letsencrypt", str(self.tmp / "letsencrypt"))
        site = site.replace("server_name shop.example.com;", "server_name localhost;")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.ports['http']};")
        site = site.replace(
            "listen 443 ssl http2;", f"listen 127.0.0.1:{self.ports['https']} ssl http2;"
        )
        return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)

    def balance(self, down: tuple[int, ...] = ()) -> None:
        """Take app nodes out of nginx's upstream (or put them back): a graceful reload."""
        (self.tmp / "nginx" / "site.conf").write_text(self.render_site(down))
        os.kill(self.procs["nginx"].proc.pid, signal.SIGHUP)
        time.sleep(1)  # the old nginx workers finish what they had sent to the node

    def node_ready(self, n: int) -> bool:
        """The node answers /up itself (its workers have booted), not only its port."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.ports[f"app{n}"], timeout=2)
        try:
            conn.request("GET", "/up", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def start_all(self) -> None:
        say(f"starting in {self.tmp}")
        self.start_mariadb()
        self.start_redis()
        self.start_smtp()
        self.env = self.shop_env()
        say("servers up; migrating and seeding the shop")
        self.prepare_shop()
        say("shop ready; starting app nodes, workers, schedulers, nginx")
        self.app_node(1).start()
        self.app_node(2).start()
        for n in (1, 2):
            self.add(f"worker{n}", [str(BIN / "scent"), "worker"]).start()
            self.add(f"scheduler{n}", [str(BIN / "scent"), "schedule", "work"]).start()
        self.start_nginx()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                self.procs[name].stop(timeout=20)


# --- the SMTP server (a subprocess: `rehearse.py smtp ...`) ---------------------------


def smtp_main(argv: list[str]) -> None:
    import asyncio
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(prog="rehearse.py smtp")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    record = open(args.record, "a", buffering=1)  # noqa: SIM115 - open for the process's life
    lock = threading.Lock()

    def write(event: dict) -> None:
        with lock:
            record.write(json.dumps(event) + "\n")

    class Recorder:
        async def handle_DATA(self, server, session, envelope):
            peer = session.peer[1] if session.peer else 0
            message = message_from_bytes(envelope.content)
            # The server has the message (it is delivered) before the client hears so: a
            # client killed while it waits cannot know, and may send it again.
            write(
                {
                    "event": "message",
                    "peer": peer,
                    "at": time.time(),
                    "message_id": message.get("Message-ID", ""),
                    "subject": " ".join(str(message.get("Subject", "")).split()),
                    "to": envelope.rcpt_tos,
                }
            )
            await asyncio.sleep(args.delay)  # a slow server
            write({"event": "answered", "peer": peer, "at": time.time()})
            return "250 Message accepted for delivery"

    controller = Controller(Recorder(), hostname="127.0.0.1", port=args.port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


def smtp_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- the load -------------------------------------------------------------------------


@dataclass
class Traffic:
    """Every response and connection failure the shoppers met, with its time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: list[tuple[float, int, str, str]] = field(
        default_factory=list
    )  # t, status, path, body
    windows: list[tuple[str, float, float]] = field(default_factory=list)  # fault, start, end
    began_monotonic: float = field(default_factory=time.monotonic)
    began_wall: float = field(default_factory=time.time)

    def record(self, status: int, path: str, body: str = "") -> None:
        with self.lock:
            self.responses.append((time.monotonic(), status, path, body))

    def hook(self, response, *args, **kwargs) -> None:
        from urllib.parse import urlsplit

        body = response.text[:4000] if response.status_code >= 500 else ""
        self.record(response.status_code, urlsplit(response.url).path, body)

    def window(self, fault: str, start: float, end: float) -> None:
        with self.lock:
            self.windows.append((fault, start, end))

    def in_window(self, at: float, grace: float = 3.0) -> str | None:
        for fault, start, end in self.windows:
            if start - 0.5 <= at <= end + grace:
                return fault
        return None


def mail_queue_state(cluster: Cluster) -> str:
    """What the mail queue still holds (a job waiting for a later retry is late, not gone)."""
    if cluster.queue != "redis":
        return "(not inspected: database queue)"
    try:
        import django_rq
        from rq.intermediate_queue import IntermediateQueue

        from scent.ops.models import PendingEmail
        from scent.ops.queue.rq import status

        mail = status()["queues"]["mail"]
        queue = django_rq.get_queue("mail")
        # Taken by a worker that lost Redis before it registered the job: RQ's maintenance
        # fails it over (then its retry) a minute or two later.
        stuck = len(IntermediateQueue(queue.key, connection=queue.connection).get_job_ids())
        pending = PendingEmail.objects.count()  # not pushed to Redis yet (scheduler: 1 min)
    except Exception as exc:  # the report must not hide the failure it explains
        return f"(unreadable: {exc})"
    held = [f"{mail[k]} {k}" for k in ("queued", "scheduled", "started", "failed")]
    return ", ".join([*held, f"{stuck} taken by a worker that lost Redis", f"{pending} not pushed"])


def describe_time(traffic: Traffic, when) -> str:
    """`when` (a datetime) as seconds after the load began, and the fault it fell in."""
    if when is None:
        return "at an unknown time"
    at = traffic.began_monotonic + (when.timestamp() - traffic.began_wall)
    fault = traffic.in_window(at)
    return f"at +{at - traffic.began_monotonic:.1f} s" + (f", during {fault}" if fault else "")


@dataclass
class Attempt:
    email: str
    variant_id: int
    number: str = ""  # the confirmation page showed this order
    placed: bool = False  # the place click was sent (the order may exist)
    error: str = ""


def load(cluster: Cluster, traffic: Traffic, stop: threading.Event, *, buyers: int, browsers: int):
    """Start buyer and browser threads; return (threads, attempts)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import requests
    from checkout import SoldOut, StepFailed, Visit  # bench/checkout.py's buyer
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from scent.catalog.models import Product

    targets = cluster.targets
    attempts: list[Attempt] = []
    lock = threading.Lock()
    run = secrets.token_hex(3)
    products = [p.get_absolute_url() for p in Product.objects.active().order_by("pk")[:12]]
    counter = iter(range(10**9))

    def session() -> requests.Session:
        http = requests.Session()
        http.trust_env = False  # no proxy, and no CA bundle from the environment
        http.verify = str(cluster.cert)
        # As a browser does: a GET on a kept-alive connection that nginx closed meanwhile (a
        # graceful reload) is sent again once on a new one; a POST never is.
        retry = Retry(total=1, connect=1, read=1, status=0, redirect=False, backoff_factor=0)
        http.mount("https://", HTTPAdapter(max_retries=retry))
        http.hooks["response"].append(traffic.hook)
        return http

    class PlacingVisit(Visit):
        attempt: Attempt

        def click(self, step, path, data=None):
            if step == "place":
                self.attempt.placed = True
            try:
                return super().click(step, path, data)
            except StepFailed as exc:
                if exc.reason in ("ConnectionError", "ReadTimeout", "ChunkedEncodingError"):
                    traffic.record(0, path)
                raise

    def buyer() -> None:
        http = session()
        while not stop.is_set():
            with lock:
                n = next(counter)
            target = targets[n % len(targets)]
            attempt = Attempt(
                email=f"rehearsal-{run}-{n}@example.com", variant_id=target.variant_id
            )
            http.cookies.clear()
            visit = PlacingVisit(base=cluster.base, http=http)
            visit.attempt = attempt
            try:
                attempt.number = visit.buy(target, attempt.email)
            except (SoldOut, StepFailed) as exc:
                attempt.error = str(exc)
            except Exception as exc:  # a bug here is an error of the run, not a hang
                attempt.error = f"{type(exc).__name__}: {exc}"
            with lock:
                attempts.append(attempt)
            if attempt.error:
                time.sleep(0.5)  # as a shopper would, before trying again

    def browser() -> None:
        http = session()
        pages = [*BROWSE, *products]
        n = 0
        while not stop.is_set():
            path = pages[n % len(pages)]
            n += 1
            try:
                http.get(cluster.base + path, timeout=30)
            except requests.RequestException:
                traffic.record(0, path)
                time.sleep(0.2)
            time.sleep(0.05)

    threads = [threading.Thread(target=buyer, daemon=True) for _ in range(buyers)]
    threads += [threading.Thread(target=browser, daemon=True) for _ in range(browsers)]
    for thread in threads:
        thread.start()
    return threads, attempts


# --- the faults -----------------------------------------------------------------------


@dataclass
class FaultResult:
    name: str
    ok: bool
    detail: str


def restart(cluster: Cluster, name: str, *, kill: bool) -> None:
    proc = cluster.procs[name]
    if kill:
        proc.kill()
    else:
        proc.stop()
    proc.start()


def fault_app_node(cluster: Cluster, traffic: Traffic) -> FaultResult:
    started = time.monotonic()
    cluster.procs["app1"].kill()
    time.sleep(2)
    cluster.procs["app1"].start()
    traffic.window("app node", started, time.monotonic())
    return FaultResult(
        "app node", True, f"SIGKILL app1, back in {time.monotonic() - started:.1f} s"
    )


def fault_worker(cluster: Cluster, traffic: Traffic) -> FaultResult:
    """SIGKILL the worker whose process is talking to the SMTP server right now."""
    record = cluster.tmp / "smtp.jsonl"
    deadline = time.monotonic() + 60
    seen = len(smtp_records(record))
    while time.monotonic() < deadline:
        events = smtp_records(record)[seen:]
        seen += len(events)
        answered = {e["peer"] for e in events if e["event"] == "answered"}
        for event in events:
            if event["event"] != "message" or event["peer"] in answered:
                continue
            inode = local_port_owner_inode(event["peer"])
            for n in (1, 2):
                proc = cluster.procs[f"worker{n}"]
                pids = [proc.proc.pid, *descendants(proc.proc.pid)]
                if inode and any(inode in socket_inodes(pid) for pid in pids):
                    proc.kill()
                    proc.start()
                    return FaultResult(
                        "worker", True, f"SIGKILL worker{n} while the SMTP server held a message"
                    )
        time.sleep(0.02)
    return FaultResult("worker", False, "no worker was seen sending an e-mail within 60 s")


def fault_smtp(cluster: Cluster, traffic: Traffic, outage: float) -> FaultResult:
    cluster.procs["smtp"].stop()
    time.sleep(outage)
    cluster.procs["smtp"].start()
    return FaultResult("smtp", True, f"SMTP server down for {outage:g} s")


def fault_redis(cluster: Cluster, traffic: Traffic) -> FaultResult:
    started = time.monotonic()
    restart(cluster, "redis", kill=False)
    traffic.window("redis", started, time.monotonic())
    return FaultResult("redis", True, f"redis restarted in {time.monotonic() - started:.1f} s")


def fault_mariadb(cluster: Cluster, traffic: Traffic) -> FaultResult:
    started = time.monotonic()
    cluster.procs["mariadb"].stop(timeout=60)
    time.sleep(3)  # long enough for the shoppers to meet it
    cluster.procs["mariadb"].start()
    traffic.window("mariadb", started, time.monotonic())
    return FaultResult("mariadb", True, f"MariaDB restarted in {time.monotonic() - started:.1f} s")


def fault_release(cluster: Cluster, traffic: Traffic) -> FaultResult:
    started = time.monotonic()
    cluster.scent("migrate", "--noinput", "-v0")  # fly.toml's release_command
    for n in (1, 2):  # Fly's rolling strategy: one machine at a time, out of the proxy first
        cluster.balance(down=(n,))
        restart(cluster, f"app{n}", kill=False)
        wait_for(lambda n=n: cluster.node_ready(n), f"app{n} after the release")
        cluster.balance()
    return FaultResult(
        "release", True, f"migrate, then app1 and app2 restarted in turn in "
        f"{time.monotonic() - started:.1f} s"
    )  # fmt: skip


# --- the checks -----------------------------------------------------------------------


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env | {"DJANGO_SETTINGS_MODULE": "scent.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pick_targets(count: int, stock: int) -> list:
    """bench/checkout.py's Targets: the sizes the buyers buy, each with `stock` units."""
    sys.path.insert(0, str(ROOT / "bench"))
    from checkout import Target

    from scent.catalog import inventory
    from scent.catalog.models import Product, ProductVariant

    targets = []
    for product in Product.objects.active().order_by("pk"):
        variant = ProductVariant.objects.sellable().filter(product=product).order_by("pk").first()
        if variant is None:
            continue
        inventory.set_stock(variant=variant, quantity=stock, reference="scripts/rehearse.py")
        path = product.get_absolute_url() + (f"?size={variant.pk}" if product.has_sizes else "")
        targets.append(Target(variant.pk, product.pk, variant.sku, path))
        if len(targets) == count:
            return targets
    raise RehearsalError(f"the seeded shop has fewer than {count} products to sell")


def wait_for_mail(cluster: Cluster, seconds: float) -> float:
    """Let the workers send what is queued (a send retried after a kill or the outage)."""
    from django.db import connection

    from scent.orders.models import Order, PaymentStatus

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.close()  # the MariaDB restart broke the one before
        paid = set(
            Order.objects.filter(
                email__startswith="rehearsal-", payment_status=PaymentStatus.PAID
            ).values_list("number", flat=True)
        )
        mailed = set(confirmed_numbers(cluster))
        if paid <= mailed:
            break
        time.sleep(1)
    return seconds - max(0.0, deadline - time.monotonic())


def confirmed_numbers(cluster: Cluster) -> list[str]:
    numbers = []
    for event in smtp_records(cluster.tmp / "smtp.jsonl"):
        if event["event"] == "message" and (m := CONFIRMATION.search(event["subject"])):
            numbers.append(m.group(1))
    return numbers


def check(cluster: Cluster, traffic: Traffic, attempts: list[Attempt], start_stock: int):
    from django.db import connection

    from scent.orders.models import Order, OrderLine, OrderStatus, PaymentStatus

    connection.close()  # the MariaDB restart broke the old one
    failures: list[str] = []
    orders = list(Order.objects.values("number", "email", "status", "payment_status"))
    by_email: dict[str, list[str]] = defaultdict(list)
    for order in orders:
        by_email[order["email"]].append(order["number"])
    tried = {a.email for a in attempts if a.placed}
    confirmed = [a for a in attempts if a.number]
    for attempt in confirmed:
        numbers = by_email.get(attempt.email, [])
        if numbers != [attempt.number]:
            failures.append(f"{attempt.email} saw order {attempt.number} confirmed; the database "
                            f"has {numbers or 'none'}")  # fmt: skip
    for email, numbers in by_email.items():
        if email.startswith("rehearsal-") and (email not in tried or len(numbers) > 1):
            failures.append(f"orders {numbers} for {email}, who placed {int(email in tried)}")
    strangers = [o["number"] for o in orders if not o["email"].startswith("rehearsal-")]
    seeded = cluster.seeded_orders
    if set(strangers) - seeded:
        failures.append(f"orders nobody placed: {sorted(set(strangers) - seeded)}")

    # Stock: starting stock minus the units the (not cancelled) orders hold.
    from scent.catalog.models import ProductVariant

    ids = [t.variant_id for t in cluster.targets]
    held = Counter()
    for variant_id, quantity in (
        OrderLine.objects.filter(variant_id__in=ids, order__email__startswith="rehearsal-")
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("variant_id", "quantity")
    ):
        held[variant_id] += quantity
    oversold = 0
    for variant_id, stock in ProductVariant.objects.filter(pk__in=ids).values_list(
        "pk", "stock_quantity"
    ):
        if stock < 0:
            oversold += -stock
        if stock != start_stock - held[variant_id]:
            failures.append(f"variant {variant_id}: stock {stock}, expected "
                            f"{start_stock} - {held[variant_id]}")  # fmt: skip

    # Mail: each paid order's confirmation at the SMTP server, once.
    paid = {o["number"] for o in orders
            if o["email"].startswith("rehearsal-") and o["payment_status"] == PaymentStatus.PAID}  # fmt: skip
    messages = [e for e in smtp_records(cluster.tmp / "smtp.jsonl") if e["event"] == "message"]
    ids_per_purpose: dict[tuple[str, str], set[str]] = defaultdict(set)
    id_counts = Counter()
    for message in messages:
        id_counts[message["message_id"]] += 1
        found = CONFIRMATION.search(message["subject"])
        number = found.group(1) if found else ""
        template = CONFIRMATION.sub("Thank you for your order #", message["subject"])
        ids_per_purpose[(number or ",".join(message["to"]), template)].add(message["message_id"])
    mailed = {number for number, _ in ids_per_purpose}
    lost = sorted(paid - mailed)
    # When each lost one was paid, against the faults' times: the fault that lost it.
    paid_at = dict(Order.objects.filter(number__in=lost).values_list("number", "paid_at"))
    lost = [f"{number} (paid {describe_time(traffic, paid_at[number])})" for number in lost]
    repeats = sum(n - 1 for n in id_counts.values() if n > 1)
    duplicated = sorted(f"{key[0]} ({len(v)} messages)" for key, v in ids_per_purpose.items()
                        if len(v) > 1)  # fmt: skip
    if lost:
        failures.append(f"confirmation e-mail lost for {lost}; the mail queue holds "
                        f"{mail_queue_state(cluster)}")  # fmt: skip
    if duplicated:
        failures.append(f"two different messages for one purpose: {duplicated[:10]}")

    # Scheduler: two ran; each job ran once per due time.
    from django.db.models import Count

    from scent.ops.models import ScheduleRun

    runs = ScheduleRun.objects.count()
    twice = list(
        ScheduleRun.objects.values("job", "tick").annotate(n=Count("id")).filter(n__gt=1)[:5]
    )
    if twice:
        failures.append(f"scheduled jobs run twice for one due time: {twice}")

    # HTTP: no 5xx outside the outages; during the database outage the shop's 503 page.
    outside = []
    bad_pages = []
    during: dict[str, Counter] = defaultdict(Counter)
    for at, status, path, body in traffic.responses:
        if status and status < 500:
            continue
        fault = traffic.in_window(at)
        if fault is not None:
            during[fault][status or "no answer"] += 1
        if fault is None:
            outside.append(f"{status or 'no answer'} {path}")
        elif status and ("Traceback" in body or (fault == "mariadb" and status != 503)):
            bad_pages.append(f"{status} {path} during {fault}")
    if outside:
        failures.append(
            f"{len(outside)} 5xx outside the outages: {Counter(outside).most_common(5)}"
        )
    if bad_pages:
        failures.append(f"{len(bad_pages)} answers that are not the 503 page: "
                        f"{Counter(bad_pages).most_common(5)}")  # fmt: skip
    return failures, {
        "requests": len(traffic.responses),
        "orders": len(confirmed),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "repeats": repeats,
        "oversold": oversold,
        "outside": len(outside),
        "bad_pages": len(bad_pages),
        "messages": len(messages),
        "paid": len(paid),
        "schedule_runs": runs,
        "during": {fault: dict(statuses) for fault, statuses in during.items()},
    }


# --- main -----------------------------------------------------------------------------


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the rehearsal as Ctrl-C does: cleanup runs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["smtp"]:
        smtp_main(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=4, help="threads placing orders")
    parser.add_argument("--browsers", type=int, default=4, help="threads browsing pages")
    parser.add_argument("--smtp-outage", type=float, default=30, help="seconds SMTP is down")
    parser.add_argument("--smtp-delay", type=float, default=0.3,
                        help="seconds the SMTP server takes to answer a message")  # fmt: skip
    parser.add_argument("--pause", type=float, default=5, help="seconds of load between faults")
    parser.add_argument("--drain", type=float, default=150,
                        help="seconds, at most, to wait for queued e-mail after the load")  # fmt: skip
    parser.add_argument("--stock", type=int, default=10_000, help="units of each size on sale")
    parser.add_argument("--queue", choices=["redis", "database"], default="redis")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    for name, value in (("--buyers", args.buyers), ("--stock", args.stock)):
        if value < 1:
            parser.error(f"{name} must be at least 1")
    if missing := missing_binaries():
        parser.exit(2, f"rehearse: missing {', '.join(missing)} (apt-get install "
                       "mariadb-server redis-server nginx openssl)\n")  # fmt: skip

    tmp = Path(tempfile.mkdtemp(prefix="scent-rehearse-", dir="/tmp"))
    cluster = Cluster(tmp=tmp, smtp_delay=args.smtp_delay, queue=args.queue)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, _interrupted)
    began = time.monotonic()
    try:
        cluster.start_all()
        setup_django(cluster.env)
        from scent.orders.models import Order

        cluster.seeded_orders = set(Order.objects.values_list("number", flat=True))
        cluster.targets = pick_targets(4, args.stock)
        traffic = Traffic()
        say(f"load: {args.buyers} buyers, {args.browsers} browsers through {cluster.base}")
        threads, attempts = load(cluster, traffic, stop, buyers=args.buyers, browsers=args.browsers)
        faults = [
            lambda: fault_app_node(cluster, traffic),
            lambda: fault_worker(cluster, traffic),
            lambda: fault_smtp(cluster, traffic, args.smtp_outage),
            lambda: fault_redis(cluster, traffic),
            lambda: fault_mariadb(cluster, traffic),
            lambda: fault_release(cluster, traffic),
        ]
        results = []
        for fault in faults:
            time.sleep(args.pause)
            result = fault()
            say(f"{result.name}: {result.detail}")
            results.append(result)
        time.sleep(args.pause)
        stop.set()
        for thread in threads:
            thread.join(60)
        say("load stopped; waiting for the queue to send what it holds")
        drained = wait_for_mail(cluster, args.drain)
        say(f"every paid order's e-mail was at the SMTP server {drained:.0f} s later"
            if drained < args.drain else f"gave up waiting for e-mail after {drained:.0f} s")  # fmt: skip
        failures, numbers = check(cluster, traffic, attempts, args.stock)
    except RehearsalError as exc:
        print(f"rehearse: FAILED to run: {exc}", file=sys.stderr)
        return 1
    finally:
        stop.set()
        cluster.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"kept {tmp}")

    errors = Counter(a.error.split(":")[0] for a in attempts if a.error)
    print(f"\nrehearsal on {cluster.base} ({time.monotonic() - began:.0f} s, queue {args.queue})")
    for result in results:
        print(f"  {'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    print(f"  buyers: {len(attempts)} visits, {numbers['orders']} confirmed, failed steps "
          f"{dict(errors) or 'none'}")  # fmt: skip
    print(f"  mail: {numbers['messages']} messages for {numbers['paid']} paid orders, "
          f"{numbers['repeats']} repeats of one Message-ID")  # fmt: skip
    print(f"  scheduler: {numbers['schedule_runs']} runs by two schedulers, "
          "each due time once" + ("" if not any("twice" in f for f in failures) else ": NO"))  # fmt: skip
    print(f"  answers that failed during the outages: {numbers['during'] or 'none'}")
    for failure in failures:
        print(f"  FAIL {failure}")
    print(
        f"rehearsal: {numbers['requests']} requests, {numbers['orders']} orders, "
        f"{numbers['lost']} lost, {numbers['duplicated']} duplicated, {numbers['oversold']} "
        f"oversold, {numbers['outside']} 5xx outside the outages"
    )
    return 1 if failures or not all(r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
