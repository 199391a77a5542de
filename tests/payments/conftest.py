"""Fixtures for payment tests: real orders, a real localstripe server, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from scent.orders.services import place_order
from tests.factories import ProductFactory, UserFactory
from tests.orders.support import make_checkout

WEBHOOK_SECRET = "whsec_test_scent_payments"
LAUNCHER = Path(__file__).with_name("localstripe_server.py")


@pytest.fixture
def product(db):
    return ProductFactory(name="Lavender Oil", sku="LAV-PAY", price=1250, stock_quantity=10)


@pytest.fixture
def order(product):
    """A guest's unpaid order, placed through the real checkout service."""
    return place_order(checkout=make_checkout([(product, 2)], email="guest@example.com"))


@pytest.fixture
def guest(client, order):
    """The browser that placed `order` (its number is remembered in the session)."""
    session = client.session
    session["placed_orders"] = [order.number]
    session.save()
    return client


@pytest.fixture
def customer(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def customer_order(product, customer):
    return place_order(checkout=make_checkout([(product, 1)], email=customer.email, user=customer))


def start_localstripe(log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start localstripe on 127.0.0.1 and a free port; return the process and its URL."""
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, str(LAUNCHER)], stdout=subprocess.PIPE, stderr=log, text=True
        )
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    ready = selector.select(timeout=60)
    selector.close()
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("PORT "):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"localstripe did not start: {log_path.read_text()[-2000:]}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def stop_localstripe(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    """One localstripe per test session (per xdist worker); state is shared, so tests
    only look at objects they created."""
    proc, url = start_localstripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield url
    stop_localstripe(proc)


@pytest.fixture
def stripe_gateway(settings, localstripe_url):
    """The shop configured for Stripe, talking to localstripe."""
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET = "sk_test_scent"
    settings.STRIPE_KEY = "pk_test_scent"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    from scent.payments.gateways import get_gateway

    return get_gateway()


@pytest.fixture
def stripe_client(stripe_gateway) -> stripe.StripeClient:
    """What Stripe.js does in the browser, done with the library against localstripe."""
    return stripe_gateway.client


def stripe_signature(
    payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """Sign exactly as Stripe does: v1 = HMAC-SHA256(secret, f"{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def make_event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    import uuid

    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


@pytest.fixture
def post_event(client):
    """POST a signed event to /webhooks/stripe/ like Stripe does."""

    def post(event: dict, *, secret: str = WEBHOOK_SECRET, signature: str | None = None):
        payload = json.dumps(event).encode()
        return client.post(
            "/webhooks/stripe/",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": signature or stripe_signature(payload, secret)},
        )

    return post
