"""The Stripe gateway against a real localstripe server (see localstripe_server.py)."""

from __future__ import annotations

import contextlib

import pytest
import stripe
from django.urls import reverse

from scent.payments import services
from scent.payments.gateways import GatewayError, PaymentRequest, State
from scent.payments.models import Payment, PaymentStatus, Refund
from scent.payments.services import RefundError, refund_order, start_payment_for_order
from tests.orders.support import queued_emails


def intents_for(client, order_number: str) -> list:
    listed = client.v1.payment_intents.list(params={"limit": 100}).data
    return [
        pi for pi in listed if pi.to_dict().get("metadata", {}).get("order_number") == order_number
    ]


def pay_in_browser(client, payment: Payment, method: str = "pm_card_visa") -> None:
    """What Stripe.js does with the Payment Element: attach the card and confirm."""
    client.v1.payment_intents.update(payment.reference, params={"payment_method": method})
    # A decline raises CardError (Stripe.js shows it); the intent keeps last_payment_error.
    with contextlib.suppress(stripe.CardError):
        client.v1.payment_intents.confirm(payment.reference)


def test_start_payment_creates_an_intent_for_the_order_total(stripe_gateway, stripe_client, order):
    payment = start_payment_for_order(order=order)

    intent = stripe_client.v1.payment_intents.retrieve(payment.reference)
    assert (intent.amount, intent.currency) == (order.total, order.currency.lower())
    assert intent.metadata["order_number"] == order.number
    assert payment.client_secret == intent.client_secret
    assert payment.idempotency_key == f"scent-{order.number}-payment-1"


def test_a_retried_create_returns_the_same_intent(stripe_gateway, stripe_client, order):
    request = PaymentRequest(
        order_number=order.number,
        amount=order.total,
        currency=order.currency,
        email=order.email,
        attempt=1,
        idempotency_key=services.payment_idempotency_key(order.number, 1),
    )
    first = stripe_gateway.start_payment(request)
    # E.g. the response was lost and the request is sent again, or the database row
    # was never written: Stripe answers with the same PaymentIntent.
    second = stripe_gateway.start_payment(request)

    assert first.reference == second.reference
    assert len(intents_for(stripe_client, order.number)) == 1


def test_reloading_the_pay_page_never_creates_a_second_intent(
    stripe_gateway, stripe_client, guest, order
):
    url = reverse("payments:pay", kwargs={"order_number": order.number})
    first, second = guest.get(url), guest.get(url)

    assert first.status_code == second.status_code == 200
    html = second.content.decode()
    payment = Payment.objects.get(order_number=order.number)
    assert f'data-client-secret="{payment.client_secret}"' in html
    assert 'data-publishable-key="pk_test_scent"' in html
    assert "https://js.stripe.com/v3/" in html
    assert "Test payments" not in html
    assert len(intents_for(stripe_client, order.number)) == 1


def test_a_payment_with_another_amount_is_refused(stripe_gateway, stripe_client, order):
    payment = start_payment_for_order(order=order)
    stripe_client.v1.payment_intents.update(payment.reference, params={"amount": order.total - 1})
    pay_in_browser(stripe_client, payment)

    with pytest.raises(GatewayError, match="does not match"):
        services.sync_payment(payment=payment)
    order.refresh_from_db()
    assert not order.is_paid


def test_return_after_a_successful_payment_marks_the_order_paid(
    stripe_gateway, stripe_client, guest, order
):
    payment = start_payment_for_order(order=order)
    pay_in_browser(stripe_client, payment)

    url = reverse("payments:return", kwargs={"order_number": order.number})
    response = guest.get(url, {"payment_intent": payment.reference, "redirect_status": "succeeded"})

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:confirmation", kwargs={"number": order.number})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_paid and order.payment_reference == payment.reference
    assert (payment.status, payment.card_brand, payment.card_last4) == ("succeeded", "visa", "4242")
    assert len(queued_emails("order_confirmation")) == 1
    # Coming back again (reload, back button) changes nothing.
    assert guest.get(url, {"payment_intent": payment.reference}).status_code == 302
    assert len(queued_emails("order_confirmation")) == 1


def test_return_trusts_stripe_not_the_query_string(stripe_gateway, stripe_client, guest, order):
    payment = start_payment_for_order(order=order)  # created but never confirmed

    response = guest.get(
        reverse("payments:return", kwargs={"order_number": order.number}),
        {"payment_intent": payment.reference, "redirect_status": "succeeded"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", kwargs={"order_number": order.number})
    order.refresh_from_db()
    assert not order.is_paid


def test_return_for_another_orders_intent_is_refused(
    stripe_gateway, stripe_client, guest, order, product
):
    from scent.orders.services import place_order
    from tests.orders.support import make_checkout

    other = place_order(checkout=make_checkout([(product, 1)], email="other@example.com"))
    other_payment = start_payment_for_order(order=other)
    pay_in_browser(stripe_client, other_payment)

    response = guest.get(
        reverse("payments:return", kwargs={"order_number": order.number}),
        {"payment_intent": other_payment.reference},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", kwargs={"order_number": order.number})
    order.refresh_from_db()
    other.refresh_from_db()
    assert not order.is_paid and not other.is_paid


def test_a_declined_card_sends_the_shopper_back_with_the_reason(
    stripe_gateway, stripe_client, guest, order
):
    payment = start_payment_for_order(order=order)
    pay_in_browser(stripe_client, payment, method="pm_card_chargeCustomerFail")

    response = guest.get(
        reverse("payments:return", kwargs={"order_number": order.number}),
        {"payment_intent": payment.reference},
        follow=True,
    )

    assert "Your card was declined." in response.content.decode()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert not order.is_paid
    assert payment.status == PaymentStatus.FAILED
    assert order.events.filter(kind="payment_failed").count() == 1


def paid_order(stripe_client, order) -> Payment:
    payment = start_payment_for_order(order=order)
    pay_in_browser(stripe_client, payment)
    services.sync_payment(payment=payment)
    payment.refresh_from_db()
    return payment


def test_partial_then_full_refund(stripe_gateway, stripe_client, order, customer):
    payment = paid_order(stripe_client, order)

    first = refund_order(order=order, amount=500, actor=customer, reason="damaged bottle")
    order.refresh_from_db()
    assert (first.status, first.amount) == ("succeeded", 500)
    assert first.reference.startswith("re_")
    assert order.payment_status == "partially_refunded" and order.amount_refunded == 500

    rest = refund_order(order=order, amount=order.total - 500, actor=customer)
    order.refresh_from_db()
    assert order.payment_status == "refunded" and order.status == "refunded"

    at_stripe = stripe_client.v1.refunds.list(params={"payment_intent": payment.reference}).data
    assert sorted(r.amount for r in at_stripe) == sorted([500, order.total - 500])
    assert {r.metadata["scent_refund_key"] for r in at_stripe} == {
        first.idempotency_key,
        rest.idempotency_key,
    }
    with pytest.raises(RefundError, match="At most"):
        refund_order(order=order, amount=1, actor=customer)
    assert len(queued_emails("order_refunded")) == 2


def test_a_retried_refund_request_refunds_once(stripe_gateway, stripe_client, order, customer):
    payment = paid_order(stripe_client, order)

    first = refund_order(order=order, amount=700, actor=customer, request_id="form-123")
    again = refund_order(order=order, amount=700, actor=customer, request_id="form-123")

    assert first.pk == again.pk
    assert Refund.objects.filter(payment=payment).count() == 1
    assert (
        len(stripe_client.v1.refunds.list(params={"payment_intent": payment.reference}).data) == 1
    )
    order.refresh_from_db()
    assert order.amount_refunded == 700


def test_a_refund_retried_after_a_lost_response_refunds_once(
    stripe_gateway, stripe_client, order, customer
):
    payment = paid_order(stripe_client, order)
    key = services.refund_idempotency_key(order.number, "lost-response")

    # The first call reached Stripe but the shop never heard back ...
    lost = stripe_gateway.refund(payment, 300, key)
    # ... so the staff member submits the same refund request again.
    refund = refund_order(order=order, amount=300, actor=customer, request_id="lost-response")

    assert refund.reference == lost.reference
    assert (
        len(stripe_client.v1.refunds.list(params={"payment_intent": payment.reference}).data) == 1
    )
    order.refresh_from_db()
    assert order.amount_refunded == 300


def test_refund_needs_a_successful_payment_and_a_sensible_amount(
    stripe_gateway, stripe_client, order, customer
):
    with pytest.raises(RefundError, match="no successful payment"):
        refund_order(order=order, amount=100, actor=customer)
    paid_order(stripe_client, order)
    with pytest.raises(RefundError, match="greater than zero"):
        refund_order(order=order, amount=0, actor=customer)
    with pytest.raises(RefundError, match="At most"):
        refund_order(order=order, amount=order.total + 1, actor=customer)
    assert not Refund.objects.exists()


def test_test_gateway_refunds_work_offline(guest, order, customer):
    guest.post(
        reverse("payments:pay", kwargs={"order_number": order.number}),
        {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123"},
    )
    refund = refund_order(order=order, amount=order.total, actor=customer)
    order.refresh_from_db()
    assert refund.status == "succeeded"
    assert order.payment_status == "refunded"


def test_gateway_state_mapping_reads_a_succeeded_intent(stripe_gateway, stripe_client, order):
    payment = paid_order(stripe_client, order)
    state = stripe_gateway.retrieve(payment.reference)
    assert state.status is State.SUCCEEDED
    assert state.order_number == order.number
    assert state.currency == order.currency


def test_stripe_unreachable_gives_a_clear_message(settings, stripe_gateway, guest, order):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"
    response = guest.get(reverse("payments:pay", kwargs={"order_number": order.number}))
    assert response.status_code == 502
    assert "not answering" in response.content.decode()
    assert not Payment.objects.exists()


def test_back_on_the_pay_page_after_paying_goes_to_the_confirmation(
    stripe_gateway, stripe_client, guest, order
):
    url = reverse("payments:pay", kwargs={"order_number": order.number})
    guest.get(url)
    pay_in_browser(stripe_client, Payment.objects.get(order_number=order.number))

    # The shopper presses Back before the return page or the webhook told the shop.
    response = guest.get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:confirmation", kwargs={"number": order.number})
    order.refresh_from_db()
    assert order.is_paid


def test_a_declined_attempt_shows_its_reason_on_the_pay_page(
    stripe_gateway, stripe_client, guest, order
):
    url = reverse("payments:pay", kwargs={"order_number": order.number})
    guest.get(url)
    pay_in_browser(
        stripe_client, Payment.objects.get(order_number=order.number), "pm_card_chargeCustomerFail"
    )

    response = guest.get(url)

    assert response.status_code == 200
    assert "Your card was declined." in response.content.decode()
    assert len(intents_for(stripe_client, order.number)) == 1  # the same intent takes another card


def test_an_intent_canceled_at_stripe_is_replaced_by_a_new_attempt(
    stripe_gateway, stripe_client, guest, order
):
    url = reverse("payments:pay", kwargs={"order_number": order.number})
    guest.get(url)
    first = Payment.objects.get(order_number=order.number)
    stripe_client.v1.payment_intents.cancel(first.reference)  # e.g. from the Stripe dashboard

    response = guest.get(url)

    second = Payment.objects.get(order_number=order.number, attempt=2)
    assert second.reference != first.reference
    assert second.idempotency_key == f"scent-{order.number}-payment-2"
    assert f'data-client-secret="{second.client_secret}"' in response.content.decode()
    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELED


def test_return_while_stripe_is_unreachable_says_so(
    settings, stripe_gateway, stripe_client, guest, order
):
    import socket

    payment = start_payment_for_order(order=order)
    pay_in_browser(stripe_client, payment)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"

    response = guest.get(
        reverse("payments:return", kwargs={"order_number": order.number}),
        {"payment_intent": payment.reference},
    )

    assert response.status_code == 502
    html = response.content.decode()
    assert "not answering" in html and "Check again" in html
    order.refresh_from_db()
    assert not order.is_paid  # the webhook or the next visit will settle it
