"""`scent postdeploy-check` against a production-configured shop behind nginx with TLS.

The shop is a release built by deploy/release.py, seeded with the demo catalogue, served by
gunicorn behind the real nginx site file with a self-signed certificate (trusted through
--cafile). A pass, then the same server without HSTS (and an untrusted certificate) fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import Nginx, make_site

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]


@pytest.fixture(scope="session")
def shop(tls_cert):
    # Session scope: built once per test process, even when xdist interleaves modules.
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
        site.cleanup()


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
        site.reload_workers()  # new workers read the changed .env
        assert "Strict-Transport-Security" not in nginx.get("/")[1]
        result = postdeploy_check(nginx, "--cafile", str(nginx.cert_dir / "fullchain.pem"))
        assert result.returncode == 1, result.stdout
        assert "✗ header Strict-Transport-Security: missing" in result.stdout
        assert "✓ header X-Content-Type-Options: nosniff" in result.stdout
        assert "1 failed" in result.stdout
    finally:
        env_file.write_text(original)
        site.reload_workers()

    # Without --cafile the self-signed certificate is not trusted: that is a failure too.
    result = postdeploy_check(nginx)
    assert result.returncode == 1
    assert "✗ TLS certificate: not valid for localhost: self-signed certificate" in result.stdout

    # --insecure accepts it for local testing, and says the certificate went unchecked.
    result = postdeploy_check(nginx, "--insecure")
    assert result.returncode == 0, result.stdout
    assert "- TLS certificate: not verified (--insecure)" in result.stdout


def test_refuses_something_that_is_not_a_url():
    scent = Path(sys.executable).parent / "scent"
    result = subprocess.run(
        [str(scent), "postdeploy-check", "shop.example.com"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "is not a URL" in result.stderr


def test_purchase_through_checkout_with_the_shops_offline_test_gateway(shop):
    _, nginx = shop
    cafile = str(nginx.cert_dir / "fullchain.pem")
    result = postdeploy_check(nginx, "--cafile", cafile, "--purchase")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert (
        "✓ checkout: contact, address, delivery, review, place: order placed, pay page /checkout/pay/"
        in out
    )
    assert (
        "✓ purchase: small Stripe test payment, then refund: paid with the shop's offline test gateway"
        in out
    )


def test_purchase_in_stripe_test_mode_pays_then_refunds(shop, tmp_path):
    from tests.payments.conftest import start_localstripe, stop_localstripe

    site, nginx = shop
    localstripe, api = start_localstripe(tmp_path / "localstripe.log")
    env_file = site.root / "shared" / ".env"
    original = env_file.read_text()
    stripe_env = {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_KEY": "pk_test_postdeploy",
        "STRIPE_SECRET": "sk_test_postdeploy",
        "STRIPE_WEBHOOK_SECRET": "whsec_postdeploy",
        "STRIPE_ALLOW_TEST_KEYS": "true",
        "STRIPE_API_BASE": api,
    }
    env_file.write_text(original + "".join(f"{k}={v}\n" for k, v in stripe_env.items()))
    try:
        site.reload_workers()
        result = postdeploy_check(
            nginx, "--cafile", str(nginx.cert_dir / "fullchain.pem"), "--purchase",
            "--stripe-secret", "sk_test_postdeploy", "--stripe-api-base", api,
        )  # fmt: skip
        out = result.stdout
        print(out)
        assert result.returncode == 0, out + result.stderr
        match = re.search(r"✓ purchase: [^:]+: paid ([\d.]+ USD) \((pi_\w+)\), order confirmed, "
                          r"refund (re_\w+) succeeded", out)  # fmt: skip
        assert match, out
        # Stripe (localstripe) has the payment and its full refund.
        import stripe

        client = stripe.StripeClient("sk_test_postdeploy", base_addresses={"api": api})
        intent = client.v1.payment_intents.retrieve(match.group(2))
        assert intent.status == "succeeded"
        refund = client.v1.refunds.retrieve(match.group(3))
        assert refund.amount == intent.amount

        # Without the secret key the purchase cannot be made and says why.
        result = postdeploy_check(
            nginx, "--cafile", str(nginx.cert_dir / "fullchain.pem"), "--purchase"
        )
        assert result.returncode == 1
        assert "give --stripe-secret sk_test_..." in result.stdout
    finally:
        env_file.write_text(original)
        site.reload_workers()
        stop_localstripe(localstripe)
