"""Staff refunds: an amount that is no amount is refused with a message, nothing refunded."""

from __future__ import annotations

import pytest

from scent.orders import services
from scent.payments.services import pay_with_test_card, start_payment_for_order
from tests.orders.support import make_checkout
from tests.orders.test_admin import _action, staff_client  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e30", "Enter an amount like 12.50"),
        ("10000000000000000000", "That is more than"),
        ("5.005", "Use at most 2 decimals"),
        ("-5", "Enter an amount like 12.50"),
    ],
)
def test_a_refund_amount_out_of_range_is_refused_and_nothing_is_refunded(
    staff_client,  # noqa: F811
    lavender,
    typed,
    message,
):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))
    payment = start_payment_for_order(order=order)
    pay_with_test_card(
        payment=payment, number="4242 4242 4242 4242", exp_month=12, exp_year=2040, cvc="123"
    )
    form = _action(staff_client, "refund", [order])

    done = _action(
        staff_client,
        "refund",
        [order],
        apply="1",
        request_id=form.context["request_id"],
        reason="Typo",
        **{f"amount_{order.pk}": typed},
    )

    assert done.status_code == 200
    assert f"{order.number}: {message}" in done.content.decode()
    order.refresh_from_db()
    assert order.amount_refunded == 0
