"""localstripe itself signs and delivers its events to the running shop (live_server)."""

from __future__ import annotations

import time

import pytest
import requests

from scent.orders.services import place_order
from scent.payments.models import WebhookEvent
from scent.payments.services import start_payment_for_order
from tests.factories import ProductFactory
from tests.orders.support import make_checkout, queued_emails
from tests.payments.conftest import WEBHOOK_SECRET, start_localstripe, stop_localstripe
from tests.payments.test_stripe_gateway import pay_in_browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _wait_for(condition, timeout: float = 30.0) -> bool:
    """Poll until condition() is true; localstripe delivers about a second after the event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def own_localstripe(tmp_path):
    # Its own server: webhooks registered here must not reach other tests' shops.
    proc, url = start_localstripe(tmp_path / "localstripe.log")
    yield url
    stop_localstripe(proc)


def test_localstripe_webhooks_pay_the_order_once(settings, live_server, own_localstripe):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET = "sk_test_scent"
    settings.STRIPE_KEY = "pk_test_scent"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = own_localstripe
    registered = requests.post(
        f"{own_localstripe}/_config/webhooks/shop",
        data={"url": f"{live_server.url}/webhooks/stripe/", "secret": WEBHOOK_SECRET},
        timeout=10,
    )
    assert registered.status_code == 200
    order = place_order(
        checkout=make_checkout([(ProductFactory(stock_quantity=5), 1)], email="live@example.com")
    )
    payment = start_payment_for_order(order=order)

    pay_in_browser(payment_client(), payment)

    assert _wait_for(lambda: WebhookEvent.objects.filter(type="payment_intent.succeeded").exists())
    order.refresh_from_db()
    assert order.is_paid and order.payment_reference == payment.reference
    assert len(queued_emails("order_confirmation")) == 1


def payment_client():
    from scent.payments.gateways import get_gateway

    return get_gateway().client
