"""The browser return and Stripe's webhooks racing for the same payment, on real connections.

Runs on whatever database the suite runs on (DB_CONNECTION=sqlite / mariadb / pgsql);
each thread has its own connection. The order must be paid once, with one
confirmation e-mail, and a webhook delivered twice at once must be processed once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections

from scent.orders.services import place_order
from scent.payments import services, webhooks
from scent.payments.models import WebhookEvent
from scent.payments.services import start_payment_for_order
from tests.factories import ProductFactory
from tests.orders.support import make_checkout, queued_emails, stock
from tests.payments.conftest import make_event
from tests.payments.test_stripe_gateway import pay_in_browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _race(work: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work[i]()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_return_and_webhooks_at_the_same_moment_pay_once(stripe_gateway, stripe_client):
    product = ProductFactory(stock_quantity=50)
    for round_ in range(3):
        order = place_order(
            checkout=make_checkout([(product, 1)], email=f"race{round_}@example.com")
        )
        payment = start_payment_for_order(order=order)
        pay_in_browser(stripe_client, payment)
        intent = stripe_client.v1.payment_intents.retrieve(payment.reference).to_dict()
        event = make_event("payment_intent.succeeded", intent)
        other = make_event("payment_intent.succeeded", intent)  # a second event id

        work = [
            lambda p=payment: services.sync_payment(payment=p).status,  # the browser return
            lambda p=payment: services.sync_payment(payment=p).status,  # a reload of it
            lambda e=event: webhooks.process_event(e),
            lambda e=event: webhooks.process_event(e),  # Stripe delivering the same event twice
            lambda e=other: webhooks.process_event(e),
        ]
        results = _race(work)

        assert not [r for r in results if isinstance(r, Exception)], results
        order.refresh_from_db()
        assert order.is_paid
        assert order.transactions.filter(kind="payment").count() == 1
        assert order.events.filter(kind="paid").count() == 1
        assert Counter(results[2:4]) == {True: 1, False: 1}  # the same event id: processed once
        assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len(queued_emails("order_confirmation")) == 3
    assert stock(product) == 50 - 3  # each order's bottle taken once, however it was paid
    print(f"\n[{connection.vendor}] return x2 + webhook x3 per order, 3 orders: paid once each")
