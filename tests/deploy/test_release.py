"""deploy/release.py: atomic releases served by real nginx + gunicorn, switched under load.

Release A of this checkout is deployed into a temporary root and served by gunicorn
(started with the Supervisor program's command line) behind nginx (the real site file,
a self-signed certificate). A load generator keeps requesting /up and /version over
keep-alive HTTPS connections while release B is deployed (virtualenv, collectstatic,
migrations, switch, HUP) and while it is rolled back to A. Every request must succeed,
and /version proves which release answers.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, Nginx, make_site, tls_context, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]

ARTIFACTS = REPO / "test-artifacts" / "deploy"
THREADS = 4


@dataclass
class Load:
    """Threads sending GET /up and GET /version over persistent HTTPS connections."""

    nginx: Nginx
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # per request, for the report only
    phase: str = "before"
    slowest: dict[str, float] = field(default_factory=dict)  # phase -> slowest request
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.ok + len(self.failures)

    def start(self) -> Load:
        for n in range(THREADS):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def wait_for(self, count: int) -> None:
        wait_until(lambda: self.total >= count, f"{count} requests", timeout=300)

    def _run(self, n: int) -> None:
        context = tls_context(self.nginx.cert_dir)
        conn = http.client.HTTPSConnection(
            "localhost", self.nginx.https_port, context=context, timeout=30
        )
        i = 0
        while not self._stop.is_set():
            path = "/version" if (i + n) % 2 else "/up"
            i += 1
            started = time.monotonic()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
                with self._lock:
                    self.ok += 1
                    took = time.monotonic() - started
                    self.seconds.append(took)
                    self.slowest[self.phase] = max(took, self.slowest.get(self.phase, 0))
                    if path == "/version":
                        self.versions.append(json.loads(body)["version"])
            except Exception as exc:  # every failure counts, whatever its kind
                with self._lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPSConnection(
                    "localhost", self.nginx.https_port, context=context, timeout=30
                )
        conn.close()


def served_version(nginx: Nginx) -> str:
    status, _, body = nginx.get("/version")
    assert status == 200
    return json.loads(body)["version"]


@pytest.fixture
def served(tls_cert):
    """A deploy root with release A live behind gunicorn and nginx."""
    nginx = Nginx(root=None, cert_dir=tls_cert)
    site = make_site(tls_cert, nginx.https_port)
    nginx.root = site.root
    site.deploy()
    try:
        with site.gunicorn():
            nginx.start()
            yield site, nginx
    finally:
        nginx.cleanup()
        site.cleanup()


def test_switching_releases_under_load_drops_no_request(served):
    site, nginx = served
    release_a = site.current_id()
    version_a = served_version(nginx)
    assert version_a.startswith(release_a)

    load = Load(nginx).start()
    try:
        load.wait_for(1000)
        before_deploy = load.total
        started = time.monotonic()
        load.phase = "deploy B (build, migrate, switch)"
        site.release("deploy", "--source", str(REPO), "--python", sys.executable)
        deploy_seconds = time.monotonic() - started
        release_b = site.current_id()
        assert release_b != release_a
        during_deploy = load.total - before_deploy
        # The HUP makes new workers load release B; wait until /version says so.
        wait_until(lambda: served_version(nginx).startswith(release_b), "release B")
        after_switch = load.total
        load.phase = "after the switch"

        # The old workers are gone (two workers, as configured); the new ones work in
        # release B's directory. Polled: a worker recycled by max_requests is briefly missing.
        def two_workers_in_b() -> bool:
            cwds = {os.readlink(f"/proc/{pid}/cwd") for pid in site.workers()}
            return len(site.workers()) == 2 and cwds == {str(site.root / "releases" / release_b)}

        wait_until(two_workers_in_b, "two workers in release B")
        load.wait_for(max(5000, after_switch + 1000))
        tail = list(load.versions[-200:])

        load.phase = "rollback (HUP)"
        site.release("rollback", "--reload", "hup")  # the other way to reload, under load too
        assert site.current_id() == release_a
        wait_until(lambda: served_version(nginx) == version_a, "release A again")
        after_rollback = load.total
        load.phase = "after the rollback"
        load.wait_for(after_rollback + 1000)
    finally:
        load.stop()

    report = {
        "requests": load.total,
        "failed": len(load.failures),
        "requests_while_deploying_b": during_deploy,
        "deploy_b_seconds": round(deploy_seconds, 1),
        "versions_seen": sorted(set(load.versions)),
        "slowest_request_ms": {k: round(v * 1000) for k, v in load.slowest.items()},
        "p99_ms": round(sorted(load.seconds)[int(len(load.seconds) * 0.99)] * 1000, 1),
        "first_failures": load.failures[:10],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "release-switch.json").write_text(json.dumps(report, indent=2) + "\n")
    print("release switch under load:", json.dumps(report))

    assert load.failures == [], report
    assert load.total >= 5000
    assert during_deploy > 0, "the load ran while release B was built and switched"
    version_b = next(v for v in load.versions if v.startswith(release_b))
    assert {version_a, version_b} <= set(load.versions)
    # After the switch settled, release B answered every request (old workers have exited).
    assert set(tail) == {version_b}
    assert load.versions[-1] == version_a  # and after the rollback, A again

    listing = site.release("releases").stdout
    assert f"* {release_a}" in listing
    assert f"  {release_b}" in listing


def test_keeps_n_releases_and_refuses_concurrent_or_broken_deploys(tls_cert):
    site = make_site(tls_cert, 8443)
    try:
        deploy = ("deploy", "--source", str(REPO), "--python", sys.executable, "--keep", "2")
        site.release(*deploy)
        first = site.current_id()
        site.release(*deploy)
        # From a git repository (a bare mirror under ROOT/repo, `git archive` of the ref).
        site.release("deploy", "--repo", str(REPO), "--ref", "HEAD", "--python", sys.executable,
                     "--keep", "2")  # fmt: skip
        assert (site.root / "repo" / "HEAD").is_file()
        head = subprocess.run(  # the commit the mirror was made at
            ["git", "-C", str(site.root / "repo"), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert (site.root / "current" / "REVISION").read_text().strip().endswith(head[:12])
        releases = sorted(p.name for p in (site.root / "releases").iterdir())
        assert len(releases) == 2, "the oldest release was removed"
        assert first not in releases
        assert site.current_id() == releases[-1]
        live = site.current_id()

        # A second deploy while one holds the lock is refused and changes nothing.
        with (site.root / ".deploy.lock").open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            result = site.release(*deploy, check=False)
        assert result.returncode == 1
        assert "another deploy is running" in result.stderr
        assert sorted(p.name for p in (site.root / "releases").iterdir()) == releases

        # A release whose configuration check fails is never switched to and is removed.
        env_file = site.root / "shared" / ".env"
        good = env_file.read_text()
        env_file.write_text(good + "APP_DEBUG=true\n")
        result = site.release(*deploy, check=False)
        assert result.returncode == 1
        assert "APP_DEBUG must be false" in result.stdout + result.stderr
        assert site.current_id() == live
        assert sorted(p.name for p in (site.root / "releases").iterdir()) == releases

        # Rollback goes to the release before current; there is none before the oldest.
        env_file.write_text(good)
        site.release("rollback")
        assert site.current_id() == releases[0]
        result = site.release("rollback", check=False)
        assert result.returncode == 1
        assert "no release before the current one" in result.stderr
    finally:
        site.cleanup()


def test_refuses_to_deploy_without_a_shared_env(tmp_path):
    root = tmp_path / "root"
    result = subprocess.run(
        [sys.executable, str(REPO / "deploy" / "release.py"), "--root", str(root), "deploy",
         "--source", str(REPO)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "shared/.env is missing" in result.stderr
    assert not any(Path(root, "releases").iterdir())
