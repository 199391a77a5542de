"""POST /webhooks/stripe/ with payloads signed exactly the way Stripe signs them."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from scent.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from scent.payments.services import refund_order, start_payment_for_order
from tests.orders.support import queued_emails
from tests.payments.conftest import make_event, stripe_signature
from tests.payments.test_stripe_gateway import pay_in_browser


def confirmed_intent(client, order, method: str = "pm_card_visa") -> tuple[Payment, dict]:
    payment = start_payment_for_order(order=order)
    pay_in_browser(client, payment, method)
    return payment, client.v1.payment_intents.retrieve(payment.reference).to_dict()


def charge_of(client, intent_id: str) -> dict:
    intent = client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    return intent.to_dict()["latest_charge"]


def return_to_shop(guest, order, payment):
    return guest.get(
        reverse("payments:return", kwargs={"order_number": order.number}),
        {"payment_intent": payment.reference},
    )


# --- signature -----------------------------------------------------------------


def test_a_bad_signature_is_400_and_changes_nothing(
    stripe_gateway, stripe_client, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    event = make_event("payment_intent.succeeded", intent)

    assert post_event(event, secret="whsec_wrong").status_code == 400
    order.refresh_from_db()
    assert not order.is_paid
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "signature",
    ["", "garbage", "t=1,v1=00", "v1=abc"],
)
def test_missing_or_malformed_signatures_are_400(stripe_gateway, client, signature, db):
    response = client.post(
        "/webhooks/stripe/",
        data=b"{}",
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert response.status_code == 400


def test_a_replayed_old_signature_is_400(stripe_gateway, stripe_client, order, post_event):
    _payment, intent = confirmed_intent(stripe_client, order)
    event = make_event("payment_intent.succeeded", intent)
    payload = json.dumps(event).encode()
    old = stripe_signature(payload, timestamp=int(time.time()) - 3600)

    assert post_event(event, signature=old).status_code == 400
    order.refresh_from_db()
    assert not order.is_paid


def test_a_signed_payload_that_is_not_an_event_is_400(stripe_gateway, client, db):
    for payload in (
        b"not json",
        b"[1, 2]",
        b'{"id": "evt_1"}',
        b'{"id": "evt_1", "type": "x", "data": {"object": 3}}',
    ):
        response = client.post(
            "/webhooks/stripe/",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": stripe_signature(payload)},
        )
        assert response.status_code == 400, payload
    assert not WebhookEvent.objects.exists()


def test_without_a_webhook_secret_nothing_is_accepted(settings, client, db):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = json.dumps(make_event("payment_intent.succeeded", {"id": "pi_1"})).encode()
    response = client.post(
        "/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload)},
    )
    assert response.status_code == 400


def test_get_is_not_allowed(client, db):
    assert client.get("/webhooks/stripe/").status_code == 405


# --- payment_intent.succeeded ---------------------------------------------------------


def test_succeeded_marks_the_order_paid_and_a_replay_is_ignored(
    stripe_gateway, stripe_client, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    event = make_event("payment_intent.succeeded", intent)

    first = post_event(event)
    replay = post_event(event)

    assert first.status_code == replay.status_code == 200
    assert first.json() == {"received": True, "duplicate": False}
    assert replay.json() == {"received": True, "duplicate": True}
    order.refresh_from_db()
    assert order.is_paid
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len(queued_emails("order_confirmation")) == 1


def test_localstripes_own_event_payload_is_understood(
    stripe_gateway, stripe_client, order, post_event
):
    payment, _ = confirmed_intent(stripe_client, order)
    events = stripe_client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 100})
    event = next(
        e.to_dict() for e in events.auto_paging_iter() if e.data.object.id == payment.reference
    )

    assert post_event(event).status_code == 200
    order.refresh_from_db()
    assert order.is_paid


def test_webhook_first_then_return_pays_once(
    stripe_gateway, stripe_client, guest, order, post_event
):
    payment, intent = confirmed_intent(stripe_client, order)

    post_event(make_event("payment_intent.succeeded", intent))
    response = return_to_shop(guest, order, payment)

    assert response["Location"] == reverse("orders:confirmation", kwargs={"number": order.number})
    order.refresh_from_db()
    assert order.is_paid
    assert order.transactions.filter(kind="payment").count() == 1
    assert len(queued_emails("order_confirmation")) == 1


def test_return_first_then_webhook_pays_once(
    stripe_gateway, stripe_client, guest, order, post_event
):
    payment, intent = confirmed_intent(stripe_client, order)

    return_to_shop(guest, order, payment)
    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200
    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200  # a new id

    order.refresh_from_db()
    assert order.is_paid
    assert order.events.filter(kind="paid").count() == 1
    assert len(queued_emails("order_confirmation")) == 1


def test_a_webhook_for_an_intent_the_shop_never_stored_still_pays_its_order(
    stripe_gateway, stripe_client, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    Payment.objects.all().delete()  # e.g. the pay page's own write was lost

    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200
    order.refresh_from_db()
    assert order.is_paid
    assert Payment.objects.get().reference == intent["id"]
    assert Payment.objects.get().client_secret == intent["client_secret"]


def test_events_that_are_not_ours_are_acknowledged_and_ignored(
    stripe_gateway, stripe_client, post_event, db
):
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    ).to_dict()
    other = make_event("customer.created", {"id": "cus_1", "object": "customer"})

    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200
    assert post_event(other).status_code == 200
    assert not Payment.objects.exists()
    assert WebhookEvent.objects.count() == 2


def test_an_error_while_processing_leaves_the_event_unrecorded_for_stripes_retry(
    stripe_gateway, stripe_client, order, post_event
):
    payment, intent = confirmed_intent(stripe_client, order)
    tampered = dict(intent, amount=intent["amount"] - 100)  # not what the order costs
    event = make_event("payment_intent.succeeded", tampered)

    response = post_event(event)

    assert response.status_code == 500
    assert not WebhookEvent.objects.filter(event_id=event["id"]).exists()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert not order.is_paid and payment.status == PaymentStatus.PENDING

    # The real event (Stripe's retry carries the same id) then goes through.
    fixed = dict(event, data={"object": intent})
    assert post_event(fixed).status_code == 200
    order.refresh_from_db()
    assert order.is_paid


# --- failures and out-of-order delivery ---------------------------------------------------


def test_payment_failed_is_recorded_and_the_order_stays_payable(
    stripe_gateway, stripe_client, order, post_event
):
    payment, intent = confirmed_intent(stripe_client, order, "pm_card_chargeCustomerFail")

    assert post_event(make_event("payment_intent.payment_failed", intent)).status_code == 200

    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == "Your card was declined."
    assert order.is_payable and order.payment_status == "failed"


def test_failed_after_succeeded_does_not_unpay(stripe_gateway, stripe_client, order, post_event):
    payment, intent = confirmed_intent(stripe_client, order)
    failed = dict(
        intent,
        status="requires_payment_method",
        last_payment_error={"message": "Your card was declined."},
    )

    post_event(make_event("payment_intent.succeeded", intent))
    post_event(make_event("payment_intent.payment_failed", failed))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_paid and payment.status == PaymentStatus.SUCCEEDED
    assert not order.events.filter(kind="payment_failed").exists()


def test_failed_delivered_late_after_a_retry_succeeded(
    stripe_gateway, stripe_client, order, post_event
):
    """The first card was declined, the second succeeded; the failure event arrives last."""
    payment, _ = confirmed_intent(stripe_client, order, "pm_card_chargeCustomerFail")
    failed_snapshot = stripe_client.v1.payment_intents.retrieve(payment.reference).to_dict()
    # localstripe cannot re-confirm a declined intent; Stripe can, and then reports:
    succeeded = dict(failed_snapshot, status="succeeded", last_payment_error=None)

    post_event(make_event("payment_intent.succeeded", succeeded))
    post_event(make_event("payment_intent.payment_failed", failed_snapshot))

    order.refresh_from_db()
    assert order.is_paid
    assert len(queued_emails("order_confirmation")) == 1


def test_charge_refunded_before_succeeded(stripe_gateway, stripe_client, order, post_event):
    payment, intent = confirmed_intent(stripe_client, order)
    stripe_client.v1.refunds.create(params={"payment_intent": payment.reference, "amount": 400})
    charge = charge_of(stripe_client, payment.reference)

    assert post_event(make_event("charge.refunded", charge)).status_code == 200
    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200

    order.refresh_from_db()
    assert order.is_paid
    assert order.payment_status == "partially_refunded" and order.amount_refunded == 400
    assert len(queued_emails("order_confirmation")) == 1
    assert len(queued_emails("order_refunded")) == 1


def test_a_dashboard_refund_reaches_the_order_once(
    stripe_gateway, stripe_client, guest, order, post_event
):
    payment, _intent = confirmed_intent(stripe_client, order)
    return_to_shop(guest, order, payment)
    # Staff refund in the Stripe dashboard: the shop hears of it only by webhook.
    stripe_client.v1.refunds.create(params={"payment_intent": payment.reference, "amount": 250})
    first = make_event("charge.refunded", charge_of(stripe_client, payment.reference))
    post_event(first)
    post_event(first)  # replay
    stripe_client.v1.refunds.create(params={"payment_intent": payment.reference, "amount": 250})
    post_event(make_event("charge.refunded", charge_of(stripe_client, payment.reference)))

    order.refresh_from_db()
    assert order.amount_refunded == 500
    assert Refund.objects.filter(payment=payment, status="succeeded").count() == 2
    assert len(queued_emails("order_refunded")) == 2


def test_charge_refunded_without_embedded_refunds_asks_stripe(
    stripe_gateway, stripe_client, guest, order, post_event
):
    """Newer API versions no longer embed refunds in the charge."""
    payment, _intent = confirmed_intent(stripe_client, order)
    return_to_shop(guest, order, payment)
    stripe_client.v1.refunds.create(params={"payment_intent": payment.reference, "amount": 300})
    charge = charge_of(stripe_client, payment.reference)
    charge.pop("refunds", None)

    post_event(make_event("charge.refunded", charge))

    order.refresh_from_db()
    assert order.amount_refunded == 300


def test_the_webhook_for_an_admin_refund_changes_nothing_more(
    stripe_gateway, stripe_client, guest, order, customer, post_event
):
    payment, _intent = confirmed_intent(stripe_client, order)
    return_to_shop(guest, order, payment)
    refund = refund_order(order=order, amount=600, actor=customer)

    post_event(make_event("charge.refunded", charge_of(stripe_client, payment.reference)))

    order.refresh_from_db()
    assert order.amount_refunded == 600
    assert Refund.objects.get().pk == refund.pk
    assert len(queued_emails("order_refunded")) == 1


def test_an_intent_for_an_unknown_order_is_acknowledged(
    stripe_gateway, stripe_client, post_event, db
):
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 999,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"order_number": "TS-GONE00"},
        }
    ).to_dict()

    assert post_event(make_event("payment_intent.succeeded", intent)).status_code == 200
    assert not Payment.objects.exists()


def test_a_pending_refund_counts_once_it_succeeds(
    stripe_gateway, stripe_client, guest, order, post_event
):
    payment, _intent = confirmed_intent(stripe_client, order)
    return_to_shop(guest, order, payment)
    refund = stripe_client.v1.refunds.create(
        params={"payment_intent": payment.reference, "amount": 800}
    ).to_dict()
    charge = charge_of(stripe_client, payment.reference)
    # Some payment methods refund asynchronously: Stripe reports "pending" first.
    pending = dict(refund, status="pending", payment_intent=payment.reference)
    charge["refunds"] = {"object": "list", "data": [pending], "has_more": False}

    post_event(make_event("charge.refunded", charge))
    order.refresh_from_db()
    assert order.amount_refunded == 0
    assert Refund.objects.get().status == "pending"

    succeeded = dict(pending, status="succeeded")
    post_event(make_event("refund.updated", succeeded))
    post_event(make_event("charge.refund.updated", succeeded))  # the older name, same refund

    order.refresh_from_db()
    assert order.amount_refunded == 800
    assert Refund.objects.get().status == "succeeded"
    assert len(queued_emails("order_refunded")) == 1
