"""`scent postdeploy-check` against a production-configured shop behind nginx with TLS.

The shop is a release built by deploy/release.py, seeded with the demo catalogue, served by
gunicorn behind the real nginx site file with a self-signed certificate (trusted through
--cafile). A pass, then the same server without HSTS (and an untrusted certificate) fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import Nginx, make_site, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]


@pytest.fixture(scope="module")
def shop(tls_cert):
    nginx = Nginx(root=None, cert_dir=tls_cert)
    site = make_site(tls_cert, nginx.https_port)
    nginx.root = site.root
    site.deploy()
    scent = str(site.root / "current" / ".venv" / "bin" / "scent")
    for command in (["seed"], ["schedule", "run"]):  # the catalogue; a scheduler heartbeat
        result = subprocess.run([scent, *command], env=site.env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    try:
        with site.gunicorn():
            nginx.start()
            yield site, nginx
    finally:
        nginx.cleanup()
        shutil.rmtree(site.root, ignore_errors=True)


def postdeploy_check(nginx: Nginx, *options: str) -> subprocess.CompletedProcess:
    scent = Path(sys.executable).parent / "scent"
    return subprocess.run(
        [
            str(scent),
            "postdeploy-check",
            f"https://localhost:{nginx.https_port}",
            "--http-url",
            f"http://localhost:{nginx.http_port}/",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_healthy_production_shop_passes_every_item(shop):
    _, nginx = shop
    result = postdeploy_check(nginx, "--cafile", str(nginx.cert_dir / "fullchain.pem"))
    out = result.stdout
    print(out)
    assert result.returncode == 0, out + result.stderr
    for line in (
        "✓ HTTPS: the shop answers: 200 at https://localhost:",
        "✓ TLS certificate: valid for localhost, expires in 29 days",
        "✓ http redirects to https: 301 -> https://localhost/",
        "✓ APP_DEBUG is off: a missing page answers 404 with the shop's own page",
        "✓ /up (liveness): 200",
        "✓ /health (database, cache, queue, scheduler): 200 ok",
        "✓ header Strict-Transport-Security: max-age=31536000",
        "✓ header Content-Security-Policy: default-src 'self'",
        "✓ header X-Content-Type-Options: nosniff",
        "✓ header Referrer-Policy: strict-origin-when-cross-origin",
        "✓ header X-Frame-Options: DENY",
        "✓ browse: a product page: /products/",
        "✓ cart: add a product: ",
        "- purchase: small Stripe test payment, then refund: run with --purchase",
    ):
        assert line in out, out
    assert "0 failed" in out
    assert "  version " in out  # the release id from /version


def test_a_shop_without_hsts_or_with_an_untrusted_certificate_fails(shop):
    site, nginx = shop
    env_file = site.root / "shared" / ".env"
    original = env_file.read_text()
    env_file.write_text(original + "HSTS_SECONDS=0\n")
    try:
        # A HUP makes gunicorn's new workers read the changed .env.
        os.kill(int(site.pidfile.read_text()), signal.SIGHUP)
        wait_until(
            lambda: "Strict-Transport-Security" not in nginx.get("/")[1], "workers without HSTS"
        )
        result = postdeploy_check(nginx, "--cafile", str(nginx.cert_dir / "fullchain.pem"))
        assert result.returncode == 1, result.stdout
        assert "✗ header Strict-Transport-Security: missing" in result.stdout
        assert "✓ header X-Content-Type-Options: nosniff" in result.stdout
        assert "1 failed" in result.stdout
    finally:
        env_file.write_text(original)
        os.kill(int(site.pidfile.read_text()), signal.SIGHUP)

    # Without --cafile the self-signed certificate is not trusted: that is a failure too.
    result = postdeploy_check(nginx)
    assert result.returncode == 1
    assert "✗ TLS certificate: not valid for localhost: self-signed certificate" in result.stdout


def test_refuses_something_that_is_not_a_url():
    scent = Path(sys.executable).parent / "scent"
    result = subprocess.run(
        [str(scent), "postdeploy-check", "shop.example.com"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "is not a URL" in result.stderr
