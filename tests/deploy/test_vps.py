"""The VPS files (deploy/vps/) run for real: nginx, gunicorn on a unix socket, Supervisor.

A release tree is built once by deploy/release.py in a temporary root; the files are used
as shipped, with /var/www/the-scent and the certificate paths replaced by temporary ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.deploy.conftest import (
    REPO,
    VPS,
    Nginx,
    make_site,
    short_tmpdir,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]


@pytest.fixture(scope="session")
def vps(tls_cert):
    # Session scope: built once per test process, even when xdist interleaves modules.
    nginx = Nginx(root=None, cert_dir=tls_cert)  # root set once the site exists
    site = make_site(tls_cert, nginx.https_port)
    nginx.root = site.root
    site.deploy()
    yield site, nginx
    nginx.cleanup()
    site.cleanup()


def test_nginx_accepts_the_site_file_with_certbot_style_certificates(vps):
    _, nginx = vps
    result = nginx.test_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_serves_the_shop_from_gunicorn_over_the_unix_socket(vps):
    site, nginx = vps
    with site.gunicorn():
        nginx.start()
        try:
            status, headers, body = nginx.get("/")
            assert status == 200, body[:500]
            assert b"The Scent" in body
            # Django saw https (X-Forwarded-Proto from nginx) and answers with HSTS.
            assert "max-age=31536000" in headers.get("Strict-Transport-Security", "")

            status, headers, _ = nginx.get("/up")
            assert status == 200

            # A hashed static file comes straight from the release's staticfiles/.
            css = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', body)
            assert css, "the page links a hashed stylesheet"
            status, headers, _ = nginx.get(css.group(1).decode())
            assert status == 200
            assert "immutable" in headers["Cache-Control"]
            assert "max-age=31536000" in headers["Cache-Control"]

            # Plain http is redirected to https by nginx itself.
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
            conn.request("GET", "/products/?page=2", headers={"Host": "localhost"})
            response = conn.getresponse()
            assert response.status == 301
            assert response.getheader("Location") == "https://localhost/products/?page=2"
            conn.close()
        finally:
            nginx.stop()


def test_nginx_serves_uploaded_media_from_shared_storage(vps):
    site, nginx = vps
    media = site.root / "shared" / "storage" / "app" / "public" / "products"
    media.mkdir(parents=True, exist_ok=True)
    (media / "lavender.txt").write_text("lavender")
    with site.gunicorn():
        nginx.start()
        try:
            status, headers, body = nginx.get("/media/products/lavender.txt")
            assert (status, body) == (200, b"lavender")
            assert headers["X-Content-Type-Options"] == "nosniff"
        finally:
            nginx.stop()


def supervisord_config(site, workdir) -> str:
    programs = (VPS / "supervisor" / "the-scent.conf").read_text()
    programs = programs.replace("/var/www/the-scent", str(site.root))
    # As root Supervisor would switch to the `scent` user, which this machine lacks.
    programs = re.sub(r"^user=.*$", "", programs, flags=re.MULTILINE)
    (workdir / "the-scent.conf").write_text(programs)
    return f"""
[unix_http_server]
file={workdir}/supervisor.sock
[supervisord]
nodaemon=true
logfile={workdir}/supervisord.log
pidfile={workdir}/supervisord.pid
childlogdir={workdir}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://{workdir}/supervisor.sock
[include]
files = {workdir}/the-scent.conf
"""


def test_supervisor_runs_web_two_workers_and_the_scheduler(vps):
    site, _ = vps
    workdir = short_tmpdir("supervisor")
    conf = workdir / "supervisord.conf"
    conf.write_text(supervisord_config(site, workdir))
    bin_dir = __import__("pathlib").Path(sys.executable).parent
    ctl = [str(bin_dir / "supervisorctl"), "-c", str(conf)]
    proc = subprocess.Popen(
        [str(bin_dir / "supervisord"), "-c", str(conf)],
        env=site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def all_running():
        out = subprocess.run([*ctl, "status"], capture_output=True, text=True).stdout
        lines = [line for line in out.splitlines() if line.strip()]
        return out if len(lines) == 4 and all(" RUNNING " in line for line in lines) else None

    try:
        status = wait_until(all_running, "supervisor programs", proc=proc, log=None, timeout=90)
        assert "the-scent-web " in status
        assert "the-scent-worker:the-scent-worker_00" in status
        assert "the-scent-worker:the-scent-worker_01" in status
        assert "the-scent-scheduler " in status
        # The web program really serves on the socket nginx proxies to.
        assert site.socket.exists()

        result = subprocess.run([*ctl, "shutdown"], capture_output=True, text=True)
        assert "Shut down" in result.stdout
        started = time.monotonic()
        proc.wait(timeout=120)
        assert proc.returncode == 0
        # Every program stopped on TERM well within its stopwaitsecs (nothing was killed).
        log = (workdir / "supervisord.log").read_text()
        assert "SIGKILL" not in log
        assert log.count("stopped: ") == 4, log[-2000:]
        assert time.monotonic() - started < 120
    finally:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def test_systemd_units_verify(vps):
    site, _ = vps
    systemd_analyze = shutil.which("systemd-analyze")
    if systemd_analyze is None:
        pytest.skip("systemd-analyze is not installed")
    workdir = short_tmpdir("systemd")
    try:
        for unit in (VPS / "systemd").iterdir():
            text = unit.read_text().replace("/var/www/the-scent", str(site.root))
            text = re.sub(r"^(User|Group)=.*$", "", text, flags=re.MULTILINE)
            (workdir / unit.name).write_text(text)
        units = sorted(str(p) for p in workdir.iterdir())
        result = subprocess.run(
            [systemd_analyze, "verify", "--man=no", *units], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        names = {p.name for p in (VPS / "systemd").iterdir()}
        assert names == {
            "the-scent-web.service",
            "the-scent-worker@.service",
            "the-scent-scheduler.service",
            "the-scent-schedule.service",
            "the-scent-schedule.timer",
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_cron_line_runs_a_scheduler_tick_every_minute_in_the_current_release(vps):
    site, _ = vps
    entries = [
        line
        for line in (VPS / "cron" / "the-scent").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(entries) == 1
    fields = entries[0].split(None, 6)
    assert fields[:5] == ["*"] * 5
    assert fields[5] == "scent"  # /etc/cron.d lines name the user
    command = fields[6].split(">>")[0].strip()
    assert command == "cd /var/www/the-scent/current && .venv/bin/scent schedule run"
    # The same command works in a release: `scent help schedule` lists `run`.
    result = subprocess.run(
        [str(site.root / "current" / ".venv" / "bin" / "scent"), "help", "schedule"],
        cwd=site.root / "current",
        env=site.env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout


def test_release_scent_command_is_the_releases_manage_py():
    launcher = (REPO / "deploy" / "bin" / "scent").read_text()
    assert 'exec "$here/python" "$here/../../manage.py" "$@"' in launcher
