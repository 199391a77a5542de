"""Signed Stripe events with an unexpected shape: never a 500 that Stripe would retry for days.

A body that is not an event answers 400. An event we handle whose object cannot be read
is looked up on Stripe; if Stripe cannot help either, it answers 200 with a warning that
names the event id. A usable event is never lost.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from scent.payments.models import Payment, PaymentStatus, WebhookEvent
from tests.orders.support import queued_emails
from tests.payments.conftest import make_event, stripe_signature
from tests.payments.test_webhooks import confirmed_intent

WEBHOOK_LOGGER = "scent.payments.webhooks"


def post_raw(client, payload: bytes):
    return client.post(
        "/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload)},
    )


def warnings_naming(caplog, event_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == WEBHOOK_LOGGER and r.levelno == logging.WARNING and event_id in r.getMessage()
    ]


# --- bodies that are not events: 400 ------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="array-nested-100000-deep"),
        pytest.param(
            b'{"id": "evt_deep", "type": "payment_intent.succeeded", "data": {"object": '
            + b'{"a": ' * 100_000
            + b"1"
            + b"}" * 100_000
            + b"}}",
            id="event-with-an-object-nested-100000-deep",
        ),
        pytest.param(b'{"id": "evt_nan", "type": "x", "data": {"object": {"a": NaN}}}', id="NaN"),
        pytest.param(b'{"id": "evt_big", "amount": ' + b"9" * 5000 + b"}", id="5000-digit-int"),
        pytest.param(b"\xff\xfe not utf-8", id="not-utf-8"),
        pytest.param(b'"just a string"', id="a-json-string"),
        pytest.param(b'{"id": 42, "type": "payment_intent.succeeded", "data": {}}', id="int-id"),
        pytest.param(
            json.dumps({"id": "e" * 1000, "type": "x", "data": {"object": {}}}).encode(),
            id="id-of-1000-characters",
        ),
        pytest.param(
            b'{"id": "evt_1", "type": ["payment_intent.succeeded"], "data": {"object": {}}}',
            id="type-is-a-list",
        ),
        pytest.param(b'{"id": "evt_1", "type": "x", "data": []}', id="data-is-a-list"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_400_and_records_nothing(
    stripe_gateway, client, db, payload
):
    response = post_raw(client, payload)

    assert response.status_code == 400
    assert b"not a Stripe event" in response.content or b"Invalid" in response.content
    assert not WebhookEvent.objects.exists()


# --- events we handle with an object we cannot read -----------------------------------------


def test_succeeded_without_status_for_our_intent_still_pays_the_order_once(
    stripe_gateway, stripe_client, order, post_event, caplog
):
    _payment, intent = confirmed_intent(stripe_client, order)
    broken = {key: value for key, value in intent.items() if key != "status"}
    event = make_event("payment_intent.succeeded", broken)

    with caplog.at_level(logging.WARNING, logger=WEBHOOK_LOGGER):
        first = post_event(event)
        replay = post_event(event)

    assert first.status_code == replay.status_code == 200
    assert replay.json()["duplicate"] is True
    order.refresh_from_db()
    assert order.is_paid  # what Stripe says about the intent, asked again
    assert order.events.filter(kind="paid").count() == 1
    assert len(queued_emails("order_confirmation")) == 1
    assert warnings_naming(caplog, event["id"])


def test_succeeded_without_status_for_an_intent_stripe_does_not_know_is_acknowledged(
    stripe_gateway, order, post_event, caplog
):
    event = make_event(
        "payment_intent.succeeded",
        {"id": "pi_unknown123", "amount": order.total, "currency": "usd"},
    )

    with caplog.at_level(logging.WARNING, logger=WEBHOOK_LOGGER):
        response = post_event(event)

    assert response.status_code == 200
    assert response.json() == {"received": True, "ignored": True}
    assert "status is missing" in warnings_naming(caplog, event["id"])[0]
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    assert not order.is_paid


@pytest.mark.parametrize(
    "wrong",
    [
        {"amount": "2500"},
        {"amount": True},
        {"amount": -1},
        {"amount": 10**30},
        {"amount": 12.5},
        {"currency": 978},
        {"currency": "dollars"},
        {"status": ["requires_payment_method"]},
        {"last_payment_error": "Your card was declined."},
        {"last_payment_error": {"message": 402}},
        {"metadata": ["order_number"]},
        {"metadata": {"order_number": {"$ne": ""}}},
        {"payment_method": 7},
        {"payment_method": {"card": "visa"}},
        {"payment_method": {"card": {"last4": 4242}}},
        {"client_secret": {"x": 1}},
        {"id": None},
    ],
)
def test_payment_failed_with_wrong_types_is_acknowledged_with_a_warning(
    stripe_gateway, order, post_event, caplog, wrong
):
    intent = {
        "id": "pi_notatstripe",
        "object": "payment_intent",
        "status": "requires_payment_method",
        "amount": order.total,
        "currency": "usd",
        "metadata": {"order_number": order.number},
        "last_payment_error": {"message": "Your card was declined."},
    }
    event = make_event("payment_intent.payment_failed", {**intent, **wrong})

    with caplog.at_level(logging.WARNING, logger=WEBHOOK_LOGGER):
        response = post_event(event)

    assert response.status_code == 200
    assert response.json()["ignored"] is True
    assert warnings_naming(caplog, event["id"])
    assert not WebhookEvent.objects.exists()
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.payment_status != "failed" and order.is_payable


def test_payment_failed_with_wrong_types_for_our_intent_records_what_stripe_says(
    stripe_gateway, stripe_client, order, post_event, caplog
):
    payment, intent = confirmed_intent(stripe_client, order, "pm_card_chargeCustomerFail")
    event = make_event(
        "payment_intent.payment_failed",
        dict(intent, amount=str(intent["amount"]), last_payment_error="declined"),
    )

    with caplog.at_level(logging.WARNING, logger=WEBHOOK_LOGGER):
        assert post_event(event).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == "Your card was declined."
    assert order.payment_status == "failed" and order.is_payable
    assert warnings_naming(caplog, event["id"])


def test_an_unreadable_failure_for_an_intent_that_since_succeeded_pays_and_does_not_fail(
    stripe_gateway, stripe_client, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    event = make_event("payment_intent.payment_failed", dict(intent, amount=None))

    assert post_event(event).status_code == 200

    order.refresh_from_db()
    assert order.is_paid  # Stripe's word, asked again, is kept over the event's type
    assert not order.events.filter(kind="payment_failed").exists()


def test_charge_refunded_with_garbage_refunds_reads_the_charge_from_stripe(
    stripe_gateway, stripe_client, guest, order, post_event
):
    payment, intent = confirmed_intent(stripe_client, order)
    post_event(make_event("payment_intent.succeeded", intent))
    stripe_client.v1.refunds.create(params={"payment_intent": payment.reference, "amount": 300})
    charge = stripe_client.v1.payment_intents.retrieve(
        payment.reference, params={"expand": ["latest_charge"]}
    ).to_dict()["latest_charge"]
    charge["refunds"] = {"object": "list", "data": ["re_1", None], "has_more": False}

    assert post_event(make_event("charge.refunded", charge)).status_code == 200

    order.refresh_from_db()
    assert order.amount_refunded == 300


def test_when_stripe_cannot_be_asked_the_event_is_kept_for_stripes_retry(
    stripe_gateway, stripe_client, localstripe_url, settings, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    event = make_event("payment_intent.succeeded", dict(intent, status=None))
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: Stripe is unreachable

    assert post_event(event).status_code == 500
    assert not WebhookEvent.objects.filter(event_id=event["id"]).exists()

    settings.STRIPE_API_BASE = localstripe_url
    assert post_event(event).status_code == 200  # Stripe's retry, same id
    order.refresh_from_db()
    assert order.is_paid


def test_a_valid_succeeded_event_after_garbage_marks_the_order_paid_exactly_once(
    stripe_gateway, stripe_client, order, post_event
):
    _payment, intent = confirmed_intent(stripe_client, order)
    garbage = make_event("payment_intent.succeeded", {"id": 5, "amount": "lots"})
    good = make_event("payment_intent.succeeded", intent)

    assert post_event(garbage).status_code == 200
    assert post_event(good).json() == {"received": True, "duplicate": False}
    assert post_event(good).json() == {"received": True, "duplicate": True}

    order.refresh_from_db()
    assert order.is_paid
    assert order.transactions.filter(kind="payment").count() == 1
    assert len(queued_emails("order_confirmation")) == 1


# --- any object at all, under every event type we handle -------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)
intent_keys = st.sampled_from(
    [
        "id",
        "status",
        "amount",
        "currency",
        "metadata",
        "last_payment_error",
        "payment_method",
        "client_secret",
        "payment_intent",
        "refunds",
        "paid",
        "failure_reason",
    ]
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    event_type=st.sampled_from(
        [
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.processing",
            "payment_intent.canceled",
            "charge.refunded",
            "refund.updated",
        ]
    ),
    obj=st.dictionaries(intent_keys, json_values, max_size=8),
)
def test_no_signed_event_object_answers_5xx(stripe_gateway, client, order, event_type, obj):
    payload = json.dumps(make_event(event_type, obj)).encode()

    response = post_raw(client, payload)

    assert response.status_code in (200, 400), response.content[:300]
    order.refresh_from_db()
    assert not order.is_paid and order.amount_refunded == 0
