"""`scent payments_sync`: catch up on card payments whose webhook never arrived."""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scent.orders.services import place_order
from scent.payments.models import Payment
from scent.payments.services import start_payment_for_order
from tests.orders.support import make_checkout, queued_emails
from tests.payments.test_stripe_gateway import pay_in_browser


def _age(payment: Payment, minutes: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_paid_intent_without_webhook_or_return_marks_the_order_paid(
    stripe_gateway, stripe_client, order, product
):
    paid = start_payment_for_order(order=order)
    pay_in_browser(stripe_client, paid)
    open_order = place_order(checkout=make_checkout([(product, 1)], email="slow@example.com"))
    still_open = start_payment_for_order(order=open_order)
    fresh_order = place_order(checkout=make_checkout([(product, 1)], email="now@example.com"))
    fresh = start_payment_for_order(order=fresh_order)
    pay_in_browser(stripe_client, fresh)  # paid, but the shopper may still be on the page
    _age(paid, 30)
    _age(still_open, 30)

    out = io.StringIO()
    call_command("payments_sync", stdout=out)

    assert out.getvalue().strip() == (
        "Checked 2 open card payment(s): 1 paid, 0 failed, 1 still open, 0 could not be checked."
    )
    order.refresh_from_db()
    open_order.refresh_from_db()
    fresh_order.refresh_from_db()
    assert order.is_paid and not open_order.is_paid and not fresh_order.is_paid
    call_command("payments_sync", stdout=io.StringIO())  # again: nothing new happens
    assert len(queued_emails("order_confirmation")) == 1


def test_stripe_unreachable_fails_loudly(settings, stripe_gateway, order):
    payment = start_payment_for_order(order=order)
    _age(payment, 30)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"

    with pytest.raises(CommandError, match="could not be asked about 1 payment"):
        call_command("payments_sync", stdout=io.StringIO())


def test_bad_arguments_are_refused(db):
    with pytest.raises(CommandError, match="--days"):
        call_command("payments_sync", "--days", "0", stdout=io.StringIO())
