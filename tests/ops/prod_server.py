"""A production-configured shop served by real gunicorn, for end-to-end ops tests.

`ProdShop` migrates a fresh SQLite database in a temporary directory, starts gunicorn with
deploy/gunicorn.conf.py on 127.0.0.1 (port 0: the port is read back from gunicorn's own
"Listening at" line), collects its stderr line by line and stops it on `close()`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "shop.test"
APP_KEY = "e2e-" + "k" * 60


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a production machine, with everything local to `tmp`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATABASE_", "REDIS", "CACHE_", "LOG_", "QUEUE_", "SENTRY"))
        and key not in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "APP_ENV", "APP_DEBUG")
    }
    env.update(
        {
            "APP_ENV": "production",
            "APP_KEY": APP_KEY,
            "APP_URL": f"https://{HOST}",
            "APP_VERSION": "e2e-1",
            "APP_ENV_FILE": str(tmp / "no.env"),
            "ALLOW_TEST_GATEWAY": "true",
            "STATIC_MANIFEST": "false",
            "STATIC_ROOT": str(tmp / "static"),
            "DB_CONNECTION": "sqlite",
            "DB_DATABASE": str(tmp / "shop.sqlite3"),
            "STORAGE_PATH": str(tmp / "storage"),
            "CACHE_DRIVER": "database",
            "SESSION_DRIVER": "database",
            "QUEUE_CONNECTION": "database",
            "MAINTENANCE_DRIVER": "database",
            "LOG_CHANNEL": "stderr",
            "LOG_LEVEL": "info",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
            "GUNICORN_BIND": "127.0.0.1:0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def scent(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "scent"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


class ProdShop:
    def __init__(self, tmp: Path, *, collectstatic: bool = False, **extra_env: str) -> None:
        self.tmp = tmp
        self.env = production_env(tmp, **extra_env)
        scent(self.env, "migrate", "--noinput")
        if collectstatic:
            scent(self.env, "collectstatic", "--noinput", "-v0")
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),  # its logconfig_dict: JSON lines
                "scent.wsgi",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = self._wait_for_port()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
                if match:
                    self._wait_until_serving(int(match.group(1)))
                    return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.close()
        raise RuntimeError("gunicorn did not start:\n" + "\n".join(self.lines))

    def _wait_until_serving(self, port: int) -> None:
        self.port = port
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/up").status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn never answered /up")

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Host": HOST, "X-Forwarded-Proto": "https"} | (headers or {})
        conn.request(method, path, headers=all_headers)
        response = conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        conn.close()
        return response

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        return self.request("GET", path, headers)

    def wait_for_status(self, path: str, status: int, headers: dict[str, str] | None = None):
        """Poll until `path` answers `status` (maintenance state is re-read every second)."""
        deadline = time.monotonic() + 30
        while True:
            response = self.get(path, headers)
            if response.status == status or time.monotonic() > deadline:
                return response
            time.sleep(0.1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.lines if line.strip()]
