"""The offline test gateway and the pay page it powers: no network, no real money."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from scent.orders.models import Order, OrderEvent
from scent.payments.gateways import CardDeclined, GatewayError, State, get_gateway
from scent.payments.gateways.offline import OfflineTestGateway
from scent.payments.models import Payment, PaymentStatus
from tests.orders.support import queued_emails

SUCCESS = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
OTHER_VALID = "5555 5555 5555 4444"  # a real-looking Mastercard number (passes Luhn)


def card(number: str, expiry: str = "12/39", cvc: str = "123") -> dict:
    return {"card_number": number, "expiry": expiry, "cvc": cvc}


def pay_url(order) -> str:
    return reverse("payments:pay", kwargs={"order_number": order.number})


def test_test_gateway_is_the_default(settings):
    assert settings.PAYMENT_GATEWAY == "test"
    assert isinstance(get_gateway(), OfflineTestGateway)


class TestGatewayCharge:
    def charge(self, number: str, **kwargs):
        args = {"exp_month": 12, "exp_year": 2039, "cvc": "123", "amount": 2000, "currency": "USD"}
        return OfflineTestGateway().charge("test_pay_x", number=number, **(args | kwargs))

    def test_4242_succeeds_with_only_brand_and_last4(self):
        state = self.charge("4242424242424242")
        assert state.status is State.SUCCEEDED
        assert (state.card_brand, state.card_last4) == ("visa", "4242")
        assert "4242424242424242" not in repr(state)

    def test_4000_0002_is_declined(self):
        with pytest.raises(CardDeclined, match="declined"):
            self.charge("4000000000000002")

    def test_any_other_number_is_refused_with_the_test_numbers_named(self):
        with pytest.raises(GatewayError, match="4242 4242 4242 4242") as refused:
            self.charge("5555555555554444")
        assert not isinstance(refused.value, CardDeclined)

    def test_an_expired_card_is_refused(self):
        with pytest.raises(GatewayError, match="expired"):
            self.charge("4242424242424242", exp_year=2020)


def test_pay_page_shows_the_total_and_the_test_mode_label(guest, order):
    response = guest.get(pay_url(order))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Test payments — no real money" in html
    assert order.number in html
    assert f"${order.total // 100}.{order.total % 100:02d}" in html


def test_paying_with_4242_marks_the_order_paid_and_queues_one_confirmation(guest, order):
    response = guest.post(pay_url(order), card(SUCCESS))

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:confirmation", kwargs={"number": order.number})
    order.refresh_from_db()
    assert order.is_paid and order.amount_paid == order.total
    payment = Payment.objects.get(order_number=order.number)
    assert (payment.status, payment.card_brand, payment.card_last4) == ("succeeded", "visa", "4242")
    assert len(queued_emails("order_confirmation")) == 1


def test_a_second_submit_after_success_charges_nothing_more(guest, order):
    guest.post(pay_url(order), card(SUCCESS))
    again = guest.post(pay_url(order), card(SUCCESS))

    assert again.status_code == 302  # straight to the confirmation
    assert Payment.objects.filter(order_number=order.number).count() == 1
    assert len(queued_emails("order_confirmation")) == 1


def test_declined_card_shows_the_reason_and_the_shopper_can_retry(guest, order):
    declined = guest.post(pay_url(order), card(DECLINED))

    assert declined.status_code == 400
    assert "Your card was declined" in declined.content.decode()
    order.refresh_from_db()
    assert not order.is_paid
    assert Payment.objects.get(order_number=order.number).status == PaymentStatus.FAILED
    assert OrderEvent.objects.filter(order=order, kind="payment_failed").count() == 1

    retried = guest.post(pay_url(order), card(SUCCESS))

    assert retried.status_code == 302
    order.refresh_from_db()
    assert order.is_paid
    assert len(queued_emails("order_confirmation")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (card(OTHER_VALID), "takes test payments only"),
        (card("4242 4242 4242 4241"), "not valid"),
        (card("abcd"), "12 to 19 digits"),
        (card(SUCCESS, expiry="01/20"), "expired"),
        (card(SUCCESS, expiry="13/39"), "between 01 and 12"),
        (card(SUCCESS, cvc="12"), "3 or 4 digits"),
    ],
)
def test_bad_card_input_gets_a_clear_message_and_no_charge(guest, order, data, message):
    response = guest.post(pay_url(order), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    order.refresh_from_db()
    assert not order.is_paid


def test_the_card_number_is_never_logged_stored_or_echoed(guest, order, caplog):
    caplog.set_level(logging.DEBUG)
    declined = guest.post(pay_url(order), card(DECLINED, cvc="987"))
    other = guest.post(pay_url(order), card(OTHER_VALID, cvc="987"))
    guest.post(pay_url(order), card(SUCCESS, cvc="987"))

    secrets = (
        "4000000000000002",
        "4000 0000 0000 0002",
        "5555555555554444",
        "5555 5555 5555 4444",
        "4242424242424242",
        "4242 4242 4242 4242",
    )
    pages = declined.content.decode() + other.content.decode()
    for number in secrets:
        assert number not in caplog.text
        assert f'value="{number}"' not in pages
    assert "5555" not in pages
    assert 'value="987"' not in pages
    stored = " ".join(
        str(value)
        for model in (Payment, OrderEvent, Order)
        for row in model.objects.values()
        for value in row.values()
    )
    stored += str(dict(guest.session.items()))
    for number in secrets:
        assert number.replace(" ", "") not in stored.replace(" ", "")


def test_the_card_fields_are_hidden_from_error_reports(guest, order):
    response = guest.post(pay_url(order), card(DECLINED))

    # What Django's error reports (and Sentry's Django integration) use to mask POST data.
    hidden = set(response.wsgi_request.sensitive_post_parameters)
    assert hidden >= {"card_number", "cvc", "expiry"}


def test_someone_else_cannot_open_the_pay_page(client, order, customer_order, customer):
    assert client.get(pay_url(order)).status_code == 404  # not the browser that placed it
    assert client.get(pay_url(customer_order)).status_code == 404  # not signed in
    client.force_login(customer)
    assert client.get(pay_url(order)).status_code == 404  # another shopper's order
    assert client.get(pay_url(customer_order)).status_code == 200
    assert client.post(pay_url(order), card(SUCCESS)).status_code == 404
    order.refresh_from_db()
    assert not order.is_paid


def test_an_unknown_order_is_404(client, db):
    assert (
        client.get(reverse("payments:pay", kwargs={"order_number": "TS-NOPE00"})).status_code == 404
    )


def test_a_paid_order_redirects_to_its_confirmation(guest, order):
    guest.post(pay_url(order), card(SUCCESS))
    response = guest.get(pay_url(order))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/orders/{order.number}/confirmation/")


def test_a_cancelled_order_cannot_be_paid(guest, order):
    from scent.orders.services import cancel_order

    cancel_order(order=order, reason="changed my mind")
    response = guest.get(pay_url(order))
    assert response.status_code == 409
    assert "can no longer be paid" in response.content.decode()
    assert guest.post(pay_url(order), card(SUCCESS)).status_code == 409
    order.refresh_from_db()
    assert not order.is_paid


def test_pay_page_query_budget(guest, order, product, django_assert_max_num_queries):
    url = pay_url(order)
    with django_assert_max_num_queries(12):  # session, order + lines, payment created
        guest.get(url)
    with django_assert_max_num_queries(8):  # reload: the payment is reused
        guest.get(url)
    with django_assert_max_num_queries(25):  # charge, mark paid, history, e-mail job
        guest.post(url, card(SUCCESS))
