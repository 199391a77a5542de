"""Fixtures for the queue, worker, scheduler and mail tests: real servers, real processes.

- `smtp_server`: an aiosmtpd SMTP server on 127.0.0.1 (port 0, read back) collecting messages.
- `scent_env`: the environment a `scent` subprocess needs to share this test's database.
- `scent_process`: starts `scent ...` subprocesses and always stops them (SIGKILL of the
  process group if they outlive the test), printing their output when a test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

ROOT = Path(__file__).resolve().parents[2]
SCENT = Path(sys.executable).parent / "scent"
REDIS_TEST_URL = "redis://127.0.0.1:6379/7"


def wait_until(condition: Callable[[], object], *, timeout: float = 60, what: str = "") -> object:
    """Poll `condition` until it returns something truthy (a deadline, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        time.sleep(0.05)


# --- SMTP ------------------------------------------------------------------------------------
@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.server.envelopes.append(envelope)
        self.server.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1, on a port the OS picks.

    The server's event loop is created and run entirely in its own thread: the test's
    thread may already be running a loop (Playwright's sync API keeps one there once a
    browser test has run in this worker), and run_until_complete would refuse.
    """
    loop = asyncio.new_event_loop()
    result = SmtpServer(host="127.0.0.1", port=0)
    collector = _Collector(result)
    started = threading.Event()
    holder: dict = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            holder["server"] = loop.run_until_complete(
                loop.create_server(lambda: SMTP(collector), host="127.0.0.1", port=0)
            )
        except BaseException as error:  # reported to the test below
            holder["error"] = error
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="smtp-server", daemon=True)
    thread.start()
    if not started.wait(timeout=10) or "error" in holder:
        raise RuntimeError(f"the test SMTP server did not start: {holder.get('error')}")
    server = holder["server"]
    result.port = server.sockets[0].getsockname()[1]
    try:
        yield result
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture
def mail_to_smtp(settings, smtp_server):
    """Send this process's mail to the test SMTP server."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": smtp_server.host, "port": smtp_server.port, "timeout": 10},
        }
    }
    return smtp_server


# --- subprocesses ------------------------------------------------------------------------------
@pytest.fixture
def scent_env(transactional_db, settings) -> dict[str, str]:
    """Environment for a `scent` subprocess using this test's (committed) database."""
    from django.db import connection

    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATABASE_", "QUEUE_", "MAIL_", "MAINTENANCE_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "APP_ENV": "testing",
            "DB_CONNECTION": {"sqlite": "sqlite", "mysql": "mariadb", "postgresql": "pgsql"}[
                connection.vendor
            ],
            "DB_DATABASE": str(db["NAME"]),
            "QUEUE_CONNECTION": "database",
            "MAIL_MAILER": "log",
            "MAINTENANCE_DRIVER": "database",
            "MAINTENANCE_STATE_TTL": "0.1",
            "CACHE_DRIVER": "locmem",
            "LOG_LEVEL": "info",
        }
    )
    for key, setting in (
        ("DB_HOST", "HOST"),
        ("DB_PORT", "PORT"),
        ("DB_USERNAME", "USER"),
        ("DB_PASSWORD", "PASSWORD"),
    ):
        if db.get(setting):
            env[key] = str(db[setting])
    return env


class ScentProcesses:
    def __init__(self, base_env: dict[str, str], log_dir: Path) -> None:
        self.base_env = base_env
        self.log_dir = log_dir
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = self.log_dir / f"scent-{len(self.started)}.log"
        process = subprocess.Popen(
            [str(SCENT), *args],
            cwd=ROOT,
            env={**self.base_env, **(env or {})},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killing it takes any children
        )
        self.started.append((process, log))
        return process

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
        """Run `scent args...` to completion; return (exit code, output)."""
        process = self.start(*args, env=env)
        code = process.wait(timeout=timeout)
        return code, self.output(process)

    def output(self, process: subprocess.Popen) -> str:
        for started, log in self.started:
            if started is process:
                return log.read_text(errors="replace")
        raise KeyError(process)

    def stop_all(self) -> None:
        for process, _ in self.started:
            # The whole process group, so a forked child (RQ's work horse) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def scent_process(scent_env, tmp_path, request) -> Iterator[ScentProcesses]:
    processes = ScentProcesses(scent_env, tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            for process, log in processes.started:
                sys.stderr.write(f"--- {process.args} (exit {process.returncode})\n")
                sys.stderr.write(log.read_text(errors="replace")[-5000:])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- Redis queue ----------------------------------------------------------------------------------
@pytest.fixture
def redis_queue(settings):
    """QUEUE_CONNECTION=redis against the real Redis, in a database number of our own (7)."""
    import redis

    # One Redis database for every xdist worker: tests using it take turns through a file
    # lock (xdist_group cannot do it: xdist 3.8's loadgroup does not work with pytest 9).
    with Path(tempfile.gettempdir(), "scent-test-redis-queue-7.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = redis.Redis.from_url(REDIS_TEST_URL)
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            pytest.fail("Redis is not running on 127.0.0.1:6379 (scripts/test-services starts it)")
        client.flushdb()
        settings.RQ_QUEUES = {
            name: {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 60} for name in settings.TASK_QUEUES
        }
        settings.TASKS = {
            "default": {"BACKEND": "scent.ops.queue.rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
        }
        try:
            yield client
        finally:
            client.flushdb()
            client.close()
