"""Staff manage orders, coupons and shipping methods in the admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from scent.checkout.models import Coupon, CouponKind, ShippingMethod
from scent.orders import services
from scent.orders.models import Order, OrderStatus, PaymentStatus
from scent.payments.services import pay_with_test_card, start_payment_for_order
from tests.factories import UserFactory
from tests.orders.support import make_checkout, queued_emails, set_stock, stock

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _paid(order: Order) -> Order:
    services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency=order.currency,
        gateway="test",
        reference=f"pi_{order.number}",
    )
    order.refresh_from_db()
    return order


def _action(client, action: str, orders, **data):
    return client.post(
        CHANGELIST,
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in orders], **data},
        follow=True,
    )


def test_the_order_list_filters_and_searches(staff_client, lavender):
    paid = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))
    pending = services.place_order(checkout=make_checkout([(lavender, 1)], email="zed@example.com"))

    by_status = staff_client.get(CHANGELIST, {"status__exact": "paid"}).content.decode()
    by_email = staff_client.get(CHANGELIST, {"q": "zed@"}).content.decode()
    by_payment = staff_client.get(CHANGELIST, {"payment_status__exact": "unpaid"}).content.decode()

    assert paid.number in by_status and pending.number not in by_status
    assert pending.number in by_email and paid.number not in by_email
    assert pending.number in by_payment and paid.number not in by_payment


def test_the_order_page_shows_lines_and_history_read_only(staff_client, lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 2)])))

    page = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Lavender Oil" in html
    assert re.search(r'field-variant_label">\s*<p>10 ml</p>', html)
    assert re.search(r'field-sku">\s*<p>LAV-10</p>', html)
    assert "Payment received" in html
    assert 'name="lines-0-quantity"' not in html  # not editable
    assert staff_client.get(reverse("admin:orders_order_add")).status_code == 403


def test_ship_asks_for_tracking_numbers_then_ships_and_emails(staff_client, lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    form = _action(staff_client, "ship", [order])
    assert f'name="tracking_{order.pk}"' in form.content.decode()

    done = _action(
        staff_client,
        "ship",
        [order],
        apply="1",
        **{f"tracking_{order.pk}": "1Z42", f"carrier_{order.pk}": "UPS"},
    )

    order.refresh_from_db()
    assert (order.status, order.tracking_number, order.carrier) == (
        OrderStatus.SHIPPED,
        "1Z42",
        "UPS",
    )
    assert "1 order(s) marked shipped" in done.content.decode()
    assert queued_emails("order_shipped")[0]["context"]["tracking_number"] == "1Z42"


def test_shipping_an_unpaid_order_is_refused_with_the_reason(staff_client, lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    done = _action(staff_client, "ship", [order], apply="1", **{f"tracking_{order.pk}": "1Z"})

    assert "awaiting payment and cannot become shipped" in done.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_cancel_returns_stock_and_warns_about_paid_orders(staff_client, lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 2)])))

    _action(staff_client, "cancel", [order])
    done = _action(staff_client, "cancel", [order], apply="1", reason="Customer asked")

    order.refresh_from_db()
    lavender.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock(lavender) == 5
    assert "were paid; refund them too" in done.content.decode()


def test_refund_goes_through_the_payment_gateway(staff_client, lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))
    payment = start_payment_for_order(order=order)
    pay_with_test_card(
        payment=payment, number="4242 4242 4242 4242", exp_month=12, exp_year=2040, cvc="123"
    )

    form = _action(staff_client, "refund", [order])
    request_id = form.context["request_id"]
    data = {
        "apply": "1",
        "request_id": request_id,
        f"amount_{order.pk}": "5.00",
        "reason": "Damaged",
    }
    _action(staff_client, "refund", [order], **data)
    _action(staff_client, "refund", [order], **data)  # a double submit refunds once

    order.refresh_from_db()
    assert order.amount_refunded == 500
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert len(queued_emails("order_refunded")) == 1


def test_staff_create_a_fixed_coupon_typed_in_dollars(staff_client):
    response = staff_client.post(
        reverse("admin:checkout_coupon_add"),
        {
            "code": "welcome",
            "kind": "fixed",
            "value": "5.00",
            "minimum_spend": "20",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, coupon.value, coupon.minimum_spend) == (
        "WELCOME",
        CouponKind.FIXED,
        500,
        2000,
    )


def test_a_percentage_over_100_is_refused(staff_client):
    response = staff_client.post(
        reverse("admin:checkout_coupon_add"), {"code": "X", "kind": "percent", "value": "150"}
    )

    assert response.status_code == 200
    assert "Enter a whole percentage from 1 to 100." in response.content.decode()


def test_staff_add_a_shipping_method_free_above_a_threshold(staff_client):
    staff_client.post(
        reverse("admin:checkout_shippingmethod_add"),
        {
            "name": "Express",
            "code": "express-2",
            "price": "12.95",
            "free_over": "100",
            "position": 1,
            "is_active": "on",
        },
    )

    method = ShippingMethod.objects.get(code="express-2")
    assert (method.price, method.free_over) == (1295, 10000)


def test_the_order_page_has_buttons_for_the_next_steps(staff_client, lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))
    change = reverse("admin:orders_order_change", args=[order.pk])

    def url(action: str) -> str:
        return reverse("admin:orders_order_action", args=[order.pk, action])

    page = staff_client.get(change).content.decode()
    assert url("ship") in page and url("cancel") in page and url("refund") in page
    confirm = staff_client.get(url("mark_processing"))
    assert "Mark processing" in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # a GET only asks

    staff_client.post(url("mark_processing"))
    form = staff_client.get(url("ship"))
    assert f'name="tracking_{order.pk}"' in form.content.decode()
    done = staff_client.post(
        url("ship"), {"apply": "1", f"tracking_{order.pk}": "1Z9"}, follow=True
    )

    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, "1Z9")
    assert done.redirect_chain[-1][0] == change
    assert url("mark_delivered") in done.content.decode()
    assert url("cancel") not in done.content.decode()
    assert staff_client.get(url("explode")).status_code == 404


def test_order_actions_need_staff(client, lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))
    client.force_login(UserFactory())

    response = client.get(reverse("admin:orders_order_action", args=[order.pk, "cancel"]))

    assert response.status_code == 302  # to the admin login
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


@pytest.mark.parametrize("orders", [2, 12])
def test_the_order_list_uses_a_fixed_number_of_queries(
    staff_client, lavender, orders, django_assert_max_num_queries
):
    set_stock(lavender, 100)
    for i in range(orders):
        services.place_order(checkout=make_checkout([(lavender, 1)], email=f"c{i}@example.com"))

    with django_assert_max_num_queries(12):
        assert staff_client.get(CHANGELIST).status_code == 200
