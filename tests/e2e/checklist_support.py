"""A production shop on this machine for the guide's checklist, driven by a real browser.

`running_shop()` lays out a VPS release tree in a short temporary directory and runs what
the deployment guide runs, each as its own process, all on one SQLite file:

- `scent migrate --noinput`, `scent collectstatic --noinput` (hashed, compressed files)
  and `scent seed` (the demo catalogue with its pictures);
- gunicorn with deploy/gunicorn.conf.py on a unix socket, APP_ENV=production;
- nginx with deploy/vps/nginx/the-scent.conf: TLS (a self-signed certificate for
  localhost), /static/ and /media/ from disk, everything else proxied to gunicorn;
- `scent worker` (the mail queue) sending through MAIL_MAILER=smtp to
- a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message.

Ports are picked at run time; everything is stopped and removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.smtp import SMTP

from tests.deploy.conftest import VENV_BIN, Nginx, short_tmpdir, unix_socket_open
from tests.ops.conftest import ROOT, ScentProcesses, SmtpServer, _Collector, wait_until
from tests.ops.prod_server import production_env

CARD = "4242 4242 4242 4242"
HEALTH_TOKEN = "checklist-health-token-7f3a9c2e5b1d8f4a6e0b"  # `Authorization: Bearer ...` shows /health's details
# The processes' output of the last run (gunicorn, worker, commands) is kept here.
LOG_DIR = ROOT / "test-artifacts" / "logs"


@contextlib.contextmanager
def smtp_sink() -> Iterator[SmtpServer]:
    """The queue tests' SMTP collector, with its event loop in its own thread.

    Playwright's sync API keeps an event loop in the main thread, so the server's loop
    cannot be driven from there (tests/ops/conftest.py's fixture does that).
    """
    sink = SmtpServer(host="127.0.0.1", port=0)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers: list[asyncio.Server] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            loop.create_server(lambda: SMTP(_Collector(sink)), host="127.0.0.1", port=0)
        )
        servers.append(server)
        sink.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="checklist-smtp", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the SMTP sink did not start")
    try:
        yield sink
    finally:
        loop.call_soon_threadsafe(servers[0].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass
class LiveShop:
    url: str
    http_url: str
    root: Path
    env: dict[str, str]
    smtp: SmtpServer
    processes: ScentProcesses
    gunicorn_log: Path

    def scent(self, *args: str) -> str:
        """Run `scent args...` against the shop's database; fail with its output if it fails."""
        code, output = self.processes.run(*args)
        if code != 0:
            raise AssertionError(f"scent {' '.join(args)} exited with {code}:\n{output}")
        return output

    def shell(self, code: str) -> str:
        return self.scent("shell", "-c", code)

    def mail_to(
        self, address: str, subject: str | re.Pattern, *, timeout: float = 60
    ) -> EmailMessage:
        """Wait until the worker has delivered a message to `address` with that subject."""

        def matches(message: EmailMessage) -> bool:
            if address not in str(message["To"]):
                return False
            if isinstance(subject, re.Pattern):
                return bool(subject.search(str(message["Subject"])))
            return subject in str(message["Subject"])

        def found() -> EmailMessage | None:
            return next((m for m in list(self.smtp.messages) if matches(m)), None)

        message = wait_until(found, timeout=timeout, what=f"an e-mail to {address}: {subject}")
        assert_links_lead_to(message, self.url)  # type: ignore[arg-type]
        return message  # type: ignore[return-value]

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in list(self.smtp.messages) if address in str(m["To"])]

    def log_records(self) -> list[dict]:
        """The JSON log lines of gunicorn and the long-running worker (LOG_CHANNEL=stderr)."""
        texts = [self.gunicorn_log.read_text(errors="replace")]
        texts += [
            log.read_text(errors="replace")
            for p, log in self.processes.started
            if "worker" in p.args
        ]
        records = []
        for line in "\n".join(texts).splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
            elif "Traceback" in line:
                records.append({"level": "error", "message": line})
        return records

    def logs(self) -> str:
        parts = [f"--- gunicorn\n{self.gunicorn_log.read_text(errors='replace')}"]
        for process, log in self.processes.started:
            parts.append(f"--- {process.args[1:]}\n{log.read_text(errors='replace')[-5000:]}")
        return "\n".join(parts)


def text_body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links(message: EmailMessage) -> list[str]:
    """Every http(s) address in the message's plain-text and HTML bodies."""
    found = []
    for kind in ("plain", "html"):
        body = message.get_body(preferencelist=(kind,))
        if body is not None:
            found += re.findall(r"https?://[^\s<>\"')]+", body.get_content())
    return found


def assert_links_lead_to(message: EmailMessage, base_url: str) -> None:
    """Every link in an e-mail is an absolute address of this shop (APP_URL), nothing else."""
    stray = [url for url in links(message) if not url.startswith(base_url)]
    assert not stray, f"{message['Subject']}: links outside {base_url}: {stray}"


def first_link(message: EmailMessage, path_pattern: str) -> str:
    """The first https link in the plain-text body whose path matches `path_pattern`."""
    for url in re.findall(r"https?://[^\s<>\"')]+", text_body(message)):
        if re.search(path_pattern, url):
            return url
    raise AssertionError(f"no link matching {path_pattern!r} in:\n{text_body(message)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_shop(cert_dir: Path) -> Iterator[LiveShop]:
    """Build and start the whole shop; yield it; stop every process and remove its files."""
    root = short_tmpdir("checklist")
    nginx = Nginx(root=root, cert_dir=cert_dir)
    url = f"https://localhost:{nginx.https_port}"
    storage = root / "shared" / "storage"
    (root / "shared" / "run").mkdir(parents=True)
    (root / "current").mkdir()
    with smtp_sink() as smtp:
        env = production_env(
            root,
            APP_URL=url,
            DB_DATABASE=str(root / "shared" / "shop.sqlite3"),
            STORAGE_PATH=str(storage),
            STATIC_ROOT=str(root / "current" / "staticfiles"),
            STATIC_MANIFEST="true",
            GUNICORN_BIND=f"unix:{root / 'shared' / 'run' / 'gunicorn.sock'}",
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="4",
            LOG_LEVEL="warning",
            MAIL_MAILER="smtp",
            MAIL_HOST=smtp.host,
            MAIL_PORT=str(smtp.port),
            MAIL_FROM_ADDRESS="hello@thescent.test",
            MAINTENANCE_DRIVER="database",
            HEALTH_TOKEN=HEALTH_TOKEN,
            PYTHONPATH=str(ROOT),
        )
        # Set in this process while Chromium runs (tests/e2e/conftest.py); not a shop setting.
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        processes = ScentProcesses(env, root)
        gunicorn: subprocess.Popen | None = None
        gunicorn_log = root / "gunicorn.log"
        shop = LiveShop(
            url, f"http://localhost:{nginx.http_port}", root, env, smtp, processes, gunicorn_log
        )
        try:
            shop.scent("migrate", "--noinput")
            # The catalogue (pictures drawn) takes longest; static files are built meanwhile.
            seeding = processes.start("seed")
            shop.scent("collectstatic", "--noinput")
            if seeding.wait(timeout=180) != 0:
                raise RuntimeError("scent seed failed:\n" + processes.output(seeding))
            gunicorn = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "--config",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "scent.wsgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=gunicorn_log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            socket_path = root / "shared" / "run" / "gunicorn.sock"
            _wait(lambda: unix_socket_open(socket_path), gunicorn, "gunicorn")
            processes.start("worker", "--sleep", "0.2")
            nginx.start()
            yield shop
        finally:
            nginx.cleanup()
            if gunicorn is not None:
                _stop(gunicorn)
            processes.stop_all()
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            (LOG_DIR / "checklist-shop.log").write_text(shop.logs())
            shutil.rmtree(root, ignore_errors=True)


def _wait(check: Callable[[], object], process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if check():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within 60 s")
        time.sleep(0.1)
