"""Order services: placing, paying, fulfilling, cancelling, refunding and expiring orders."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from scent.cart.models import Cart, CartItem
from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from scent.checkout.models import Coupon, CouponRedemption
from scent.core.emails import send_email
from scent.orders import selectors, services
from scent.orders.models import Order, OrderEventKind, OrderStatus, PaymentStatus
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingMethodFactory,
    UserFactory,
    variant_of,
)
from tests.orders.support import make_checkout, queued_emails, set_stock, stock

pytestmark = pytest.mark.django_db


def _paid(order: Order, reference: str = "pi_1") -> Order:
    services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency=order.currency,
        gateway="test",
        reference=reference,
    )
    order.refresh_from_db()
    return order


# --- placing -----------------------------------------------------------------


def test_placing_an_order_prices_lines_on_the_server_and_takes_the_stock(lavender, cedar, tax_free):
    order = services.place_order(checkout=make_checkout([(lavender, 2), (cedar, 1)]))

    assert order.status == OrderStatus.PENDING
    assert order.payment_status == PaymentStatus.UNPAID
    assert re.fullmatch(r"TS-[2-9A-HJKMNP-Z]{6}", order.number)
    lines = list(order.lines.order_by("sku"))
    assert [(line.sku, line.product_name, line.unit_price, line.quantity) for line in lines] == [
        ("CED-10", "Cedarwood Oil", 900, 1),
        ("LAV-10", "Lavender Oil", 1250, 2),
    ]
    assert (order.subtotal, order.shipping, order.total) == (3400, 495, 3895)
    assert (order.ship_full_name, order.ship_city, order.email) == (
        "Ada Lovelace",
        "Bath",
        "ada@example.com",
    )
    lavender.refresh_from_db()
    cedar.refresh_from_db()
    assert (stock(lavender), stock(cedar)) == (3, 2)
    assert order.events.filter(kind=OrderEventKind.PLACED).count() == 1


def test_lines_keep_the_price_and_name_paid_even_when_the_product_changes(lavender, tax_free):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    ProductVariant.objects.filter(product=lavender).update(price=9999, label="Huge")
    Product.objects.filter(pk=lavender.pk).update(name="Renamed")

    line = order.lines.get()
    assert (line.product_name, line.variant_label, line.unit_price) == (
        "Lavender Oil",
        "10 ml",
        1250,
    )


def test_ordering_more_than_the_stock_is_refused_and_nothing_is_written(lavender, cedar):
    with pytest.raises(services.OutOfStock, match=r"only 3 of Cedarwood Oil \(10 ml\) left"):
        services.place_order(checkout=make_checkout([(lavender, 1), (cedar, 4)]))

    lavender.refresh_from_db()
    assert stock(lavender) == 5  # the lavender decrement was rolled back
    assert Order.objects.count() == 0


def test_an_inactive_product_cannot_be_ordered(lavender):
    Product.objects.filter(pk=lavender.pk).update(is_active=False)

    with pytest.raises(services.OutOfStock, match="sold out"):
        services.place_order(checkout=make_checkout([(lavender, 1)]))


def test_an_empty_checkout_is_refused():
    with pytest.raises(services.EmptyOrder, match="cart is empty"):
        services.place_order(checkout=make_checkout([]))


def test_a_changed_total_since_review_is_refused_with_the_new_total(lavender, tax_free):
    with pytest.raises(services.PriceChanged, match=r"new total is \$17\.45"):
        services.place_order(checkout=make_checkout([(lavender, 1)]), expected_total=1000)
    assert Order.objects.count() == 0


def test_placing_empties_the_cart_in_the_same_transaction(lavender):
    cart = Cart.objects.create()
    CartItem.objects.create(cart=cart, variant=variant_of(lavender), quantity=1)

    services.place_order(checkout=make_checkout([(lavender, 1)], cart_id=cart.pk))

    assert not Cart.objects.filter(pk=cart.pk).exists()


def test_a_coupon_use_is_counted_and_applies_once_per_customer(lavender, tax_free):
    coupon = CouponFactory(code="CALM10", value=10)

    order = services.place_order(checkout=make_checkout([(lavender, 2)], coupon_code="calm10"))

    assert (order.discount, order.coupon_code) == (250, "CALM10")
    coupon.refresh_from_db()
    assert coupon.times_used == 1
    with pytest.raises(services.OrderError, match="already used the coupon CALM10"):
        services.place_order(checkout=make_checkout([(lavender, 1)], coupon_code="CALM10"))


def test_a_coupon_usage_limit_is_enforced(lavender):
    CouponFactory(code="ONCE", usage_limit=1)
    services.place_order(checkout=make_checkout([(lavender, 1)], coupon_code="ONCE"))

    with pytest.raises(services.OrderError, match="fully used"):
        services.place_order(
            checkout=make_checkout([(lavender, 1)], email="other@example.com", coupon_code="ONCE")
        )


def test_signed_in_customers_cannot_reuse_a_coupon_under_another_email(lavender):
    user = UserFactory()
    CouponFactory(code="MINE")
    services.place_order(checkout=make_checkout([(lavender, 1)], user=user, coupon_code="MINE"))

    with pytest.raises(services.OrderError, match="already used"):
        services.place_order(
            checkout=make_checkout(
                [(lavender, 1)], user=user, email="alias@example.com", coupon_code="MINE"
            )
        )


# --- payment -----------------------------------------------------------------


def test_the_first_payment_marks_the_order_paid_and_queues_one_confirmation(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    first = services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency="usd",
        gateway="test",
        reference="pi_1",
    )
    again = services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency="USD",
        gateway="test",
        reference="pi_1",
    )

    assert (first, again) == (True, False)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payment_status == PaymentStatus.PAID
    assert order.amount_paid == order.total
    confirmations = queued_emails("order_confirmation")
    assert len(confirmations) == 1
    assert confirmations[0]["to"] == ["ada@example.com"]
    assert confirmations[0]["context"]["number"] == order.number


def test_the_confirmation_email_renders_the_order(lavender, settings):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 2)])))

    send_email.call(**queued_emails("order_confirmation")[0])

    message = mail.outbox[0]
    assert order.number in message.subject
    assert "2 x Lavender Oil" in message.body
    assert f"Total: ${order.total // 100}.{order.total % 100:02d}" in message.body
    assert "/account/orders/" not in message.body  # a guest gets the signed link
    assert f"/orders/{order.number}/?token=" in message.body
    html = message.alternatives[0].content
    assert "Lavender Oil" in html


def test_a_payment_that_does_not_match_the_total_is_refused(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    with pytest.raises(services.PaymentMismatch, match="order total is"):
        services.mark_order_paid(
            order_number=order.number, amount=1, currency="USD", gateway="test", reference="pi_x"
        )
    with pytest.raises(services.PaymentMismatch):
        services.mark_order_paid(
            order_number=order.number,
            amount=order.total,
            currency="EUR",
            gateway="test",
            reference="pi_x",
        )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert queued_emails() == []


def test_an_unknown_order_number_is_a_clear_error():
    with pytest.raises(services.OrderNotFound, match="no order TS-NOPE"):
        services.mark_order_paid(
            order_number="TS-NOPE", amount=1, currency="USD", gateway="test", reference="x"
        )


def test_a_second_different_payment_is_flagged_for_refund_not_recorded(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])), "pi_1")

    assert not services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency="USD",
        gateway="test",
        reference="pi_2",
    )

    assert order.events.filter(kind=OrderEventKind.NOTE, message__contains="pi_2").exists()
    assert len(queued_emails("order_confirmation")) == 1


def test_a_failed_payment_is_recorded_once_and_the_order_stays_payable(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    services.record_payment_failed(
        order_number=order.number, reference="pi_1", message="card declined"
    )
    services.record_payment_failed(
        order_number=order.number, reference="pi_1", message="card declined"
    )

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED
    assert order.events.filter(kind=OrderEventKind.PAYMENT_FAILED).count() == 1
    assert selectors.order_for_payment(order.number) == order
    assert _paid(order).status == OrderStatus.PAID


def test_a_late_failure_after_success_changes_nothing(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    services.record_payment_failed(order_number=order.number, reference="pi_0", message="declined")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_a_paid_order_is_not_payable_again(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    with pytest.raises(selectors.OrderNotPayable, match="cannot be paid"):
        selectors.order_for_payment(order.number)


# --- state machine -------------------------------------------------------------


def test_an_order_moves_through_fulfilment_and_the_customer_gets_the_tracking_number(lavender):
    staff = UserFactory(is_staff=True)
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    services.start_processing(order=order, actor=staff)
    services.ship_order(order=order, tracking_number="1Z999", carrier="UPS", actor=staff)
    order = services.mark_delivered(order=order, actor=staff)

    assert order.status == OrderStatus.DELIVERED
    assert order.tracking_number == "1Z999"
    shipped = queued_emails("order_shipped")
    assert len(shipped) == 1
    send_email.call(**shipped[0])
    assert "1Z999" in mail.outbox[0].body
    assert order.events.filter(actor=staff).count() >= 3


def test_illegal_transitions_raise_a_clear_error(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))

    with pytest.raises(
        services.InvalidTransition, match="awaiting payment and cannot become shipped"
    ):
        services.ship_order(order=order, tracking_number="1Z", actor=None)
    paid = _paid(order)
    services.ship_order(order=paid, tracking_number="1Z")
    with pytest.raises(services.InvalidTransition, match="shipped and cannot become cancelled"):
        services.cancel_order(order=paid, actor=None, reason="changed mind")


def test_shipping_needs_a_tracking_number(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    with pytest.raises(services.OrderError, match="tracking number is needed"):
        services.ship_order(order=order, tracking_number="  ")


def test_cancelling_returns_the_stock_and_the_coupon_and_emails_the_customer(lavender):
    staff = UserFactory(is_staff=True)
    coupon = CouponFactory(code="BACK", usage_limit=1)
    order = services.place_order(checkout=make_checkout([(lavender, 2)], coupon_code="BACK"))

    services.cancel_order(order=order, actor=staff, reason="Out of stock at the warehouse")
    # cancelling twice is an illegal transition, so the stock cannot come back twice
    with pytest.raises(services.InvalidTransition):
        services.cancel_order(order=order, actor=staff, reason="again")

    lavender.refresh_from_db()
    assert stock(lavender) == 5
    coupon.refresh_from_db()
    assert coupon.times_used == 0
    assert not CouponRedemption.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    event = order.events.get(kind=OrderEventKind.CANCELLED)
    assert event.actor == staff
    assert "warehouse" in event.message
    assert len(queued_emails("order_cancelled")) == 1


# --- refunds -------------------------------------------------------------------


def test_partial_then_full_refunds_move_the_payment_status(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))
    total = order.total

    order = services.record_refund(order_number=order.number, amount=500, reference="re_1")
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.status == OrderStatus.PAID

    order = services.record_refund(order_number=order.number, amount=total - 500, reference="re_2")
    assert order.payment_status == PaymentStatus.REFUNDED
    assert order.status == OrderStatus.REFUNDED
    assert order.amount_refunded == total
    lavender.refresh_from_db()
    assert stock(lavender) == 5  # not shipped: a full refund gives the stock back
    assert len(queued_emails("order_refunded")) == 2


def test_a_refund_is_recorded_once_per_reference(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))

    services.record_refund(order_number=order.number, amount=500, reference="re_1")
    order = services.record_refund(order_number=order.number, amount=500, reference="re_1")

    assert order.amount_refunded == 500
    assert len(queued_emails("order_refunded")) == 1


def test_refunding_more_than_was_paid_or_an_unpaid_order_is_refused(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 1)]))
    with pytest.raises(services.RefundError, match="has not been paid"):
        services.record_refund(order_number=order.number, amount=100, reference="re_0")

    order = _paid(order)
    with pytest.raises(services.RefundError, match="can still be refunded"):
        services.record_refund(order_number=order.number, amount=order.total + 1, reference="re_1")


def test_a_refund_of_a_shipped_order_keeps_the_stock(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))
    services.ship_order(order=order, tracking_number="1Z")

    services.record_refund(order_number=order.number, amount=order.total, reference="re_1")

    lavender.refresh_from_db()
    assert stock(lavender) == 4


# --- expiry ----------------------------------------------------------------------


def _age(order: Order, minutes: int) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_unpaid_orders_past_the_timeout_release_their_stock(lavender, settings):
    settings.PENDING_ORDER_TIMEOUT = 30
    old = services.place_order(checkout=make_checkout([(lavender, 2)]))
    fresh = services.place_order(checkout=make_checkout([(lavender, 1)], email="b@example.com"))
    paid = _paid(
        services.place_order(checkout=make_checkout([(lavender, 1)], email="c@example.com"))
    )
    _age(old, 31)
    _age(paid, 90)

    assert services.release_expired_orders() == 1
    assert services.release_expired_orders() == 0

    old.refresh_from_db()
    assert (old.status, old.expired) == (OrderStatus.CANCELLED, True)
    assert old.events.filter(kind=OrderEventKind.EXPIRED).exists()
    fresh.refresh_from_db()
    paid.refresh_from_db()
    assert fresh.status == OrderStatus.PENDING
    assert paid.status == OrderStatus.PAID
    lavender.refresh_from_db()
    assert stock(lavender) == 5 - 1 - 1


def test_a_payment_arriving_after_expiry_reinstates_the_order_when_stock_allows(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 2)]))
    _age(order, 120)
    services.release_expired_orders(older_than=timedelta(minutes=60))

    order = _paid(order)

    assert order.status == OrderStatus.PAID
    assert order.holds_stock
    lavender.refresh_from_db()
    assert stock(lavender) == 3
    assert len(queued_emails("order_confirmation")) == 1


def test_a_payment_after_expiry_without_stock_is_flagged_for_refund(lavender):
    order = services.place_order(checkout=make_checkout([(lavender, 2)]))
    _age(order, 120)
    services.release_expired_orders(older_than=timedelta(minutes=60))
    set_stock(lavender, 1)

    assert services.mark_order_paid(
        order_number=order.number,
        amount=order.total,
        currency="USD",
        gateway="test",
        reference="pi_9",
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == PaymentStatus.PAID
    assert order.events.filter(message__contains="refund the payment").exists()
    assert queued_emails("order_confirmation") == []


def test_order_numbers_are_unique_and_not_sequential(lavender):
    numbers = {services.new_order_number() for _ in range(500)}
    assert len(numbers) == 500


def test_coupon_code_lookup_is_case_insensitive_and_stored_upper():
    coupon = CouponFactory(code=" spring ")
    assert Coupon.objects.get(pk=coupon.pk).code == "SPRING"


def test_users_see_their_own_orders_only(lavender):
    ada, bob = UserFactory(), UserFactory()
    order = services.place_order(checkout=make_checkout([(lavender, 1)], user=ada, email=ada.email))

    assert selectors.order_for_user(ada, order.number) == order
    assert selectors.order_for_user(bob, order.number) is None
    assert list(selectors.orders_for_user(bob)) == []


def test_every_order_email_renders_with_its_facts(lavender):
    order = _paid(services.place_order(checkout=make_checkout([(lavender, 1)])))
    services.ship_order(order=order, tracking_number="1Z777", carrier="DHL")
    services.record_refund(order_number=order.number, amount=300, reference="re_1")
    other = services.place_order(checkout=make_checkout([(lavender, 1)], email="b@example.com"))
    services.cancel_order(order=other, reason="Address problem")

    for job in queued_emails():
        send_email.call(**job)

    subjects = {m.subject: m for m in mail.outbox}
    assert set(subjects) == {
        f"Thank you for your order {order.number}",
        f"Your order {order.number} is on its way",
        f"A refund of $3.00 for your order {order.number}",
        f"Your order {other.number} has been cancelled",
    }
    shipped = subjects[f"Your order {order.number} is on its way"]
    assert "1Z777" in shipped.body and "DHL" in shipped.body
    assert "Address problem" in subjects[f"Your order {other.number} has been cancelled"].body
    for message in mail.outbox:
        assert "{{" not in message.body
        assert "&amp;" not in message.body and "&#x27;" not in message.body
        assert message.alternatives[0].content.startswith("<!doctype html>")


def test_a_product_in_a_hidden_category_cannot_be_ordered(lavender):
    lavender.category.is_active = False
    lavender.category.save()

    with pytest.raises(services.OutOfStock):
        services.place_order(checkout=make_checkout([(lavender, 1)]))
    lavender.refresh_from_db()
    assert stock(lavender) == 5


def test_placing_the_same_checkout_twice_gives_back_the_first_order(lavender):
    cart = Cart.objects.create()
    CartItem.objects.create(cart=cart, variant=variant_of(lavender), quantity=2)
    checkout = dataclasses.replace(
        make_checkout([(lavender, 2)], cart_id=cart.pk), token="checkout-1"
    )

    first = services.place_order(checkout=checkout)
    second = services.place_order(checkout=checkout)

    assert first == second
    lavender.refresh_from_db()
    assert stock(lavender) == 3


def test_a_cart_changed_in_another_tab_is_not_ordered_blindly(lavender, cedar):
    cart = Cart.objects.create()
    CartItem.objects.create(cart=cart, variant=variant_of(lavender), quantity=1)
    checkout = make_checkout([(lavender, 1)], cart_id=cart.pk)
    CartItem.objects.create(cart=cart, variant=variant_of(cedar), quantity=1)

    with pytest.raises(services.OrderError, match="cart changed"):
        services.place_order(checkout=checkout)
    assert Order.objects.count() == 0


# --- sizes ----------------------------------------------------------------------


@pytest.fixture
def rose(db):
    """An oil in three sizes, each with its own SKU, price, stock and weight."""
    product = ProductFactory(
        name="Rose Otto",
        variants=[
            {
                "label": "5 ml",
                "sku": "ROSE-5",
                "price": 650,
                "stock_quantity": 4,
                "weight_grams": 45,
            },
            {
                "label": "10 ml",
                "sku": "ROSE-10",
                "price": 990,
                "stock_quantity": 3,
                "weight_grams": 60,
            },
            {
                "label": "30 ml",
                "sku": "ROSE-30",
                "price": 2200,
                "stock_quantity": 2,
                "weight_grams": 110,
            },
        ],
    )
    return {v.label: v for v in product.variants.all()}


def _stock_by_label(sizes) -> dict[str, int]:
    return dict(
        ProductVariant.objects.filter(pk__in=[v.pk for v in sizes.values()]).values_list(
            "label", "stock_quantity"
        )
    )


def test_two_sizes_of_one_oil_are_two_lines_each_with_its_size_sku_and_price(rose, tax_free):
    order = services.place_order(checkout=make_checkout([(rose["10 ml"], 2), (rose["30 ml"], 1)]))

    lines = [
        (ln.product_name, ln.variant_label, ln.sku, ln.unit_price, ln.quantity)
        for ln in order.lines.order_by("sku")
    ]
    assert lines == [
        ("Rose Otto", "10 ml", "ROSE-10", 990, 2),
        ("Rose Otto", "30 ml", "ROSE-30", 2200, 1),
    ]
    assert order.subtotal == 2 * 990 + 2200
    assert _stock_by_label(rose) == {"5 ml": 4, "10 ml": 1, "30 ml": 1}
    email = queued_emails()
    assert not email  # the confirmation goes out once paid
    context = services.email_context(order)
    assert {(line["size"], line["sku"]) for line in context["lines"]} == {
        ("10 ml", "ROSE-10"),
        ("30 ml", "ROSE-30"),
    }


def test_each_size_sold_is_a_stock_movement_named_after_the_order(rose):
    order = services.place_order(checkout=make_checkout([(rose["5 ml"], 3)]))

    movement = StockMovement.objects.get(variant=rose["5 ml"])
    assert (movement.delta, movement.quantity_after, movement.reason, movement.reference) == (
        -3,
        1,
        StockReason.ORDER,
        order.number,
    )


def test_cancelling_returns_each_unit_to_the_size_it_came_from(rose):
    order = services.place_order(checkout=make_checkout([(rose["5 ml"], 1), (rose["30 ml"], 2)]))
    assert _stock_by_label(rose) == {"5 ml": 3, "10 ml": 3, "30 ml": 0}
    rose["30 ml"].product.refresh_from_db()
    assert rose["30 ml"].product.price == 650  # cheapest in-stock size still the 5 ml

    services.cancel_order(order=order, reason="Changed my mind")

    assert _stock_by_label(rose) == {"5 ml": 4, "10 ml": 3, "30 ml": 2}
    returned = StockMovement.objects.filter(reason=StockReason.CANCEL, reference=order.number)
    assert sorted(returned.values_list("variant__label", "delta")) == [("30 ml", 2), ("5 ml", 1)]


def test_an_expired_order_gives_its_sizes_back_with_the_reason_expiry(rose):
    order = services.place_order(checkout=make_checkout([(rose["10 ml"], 3)]))
    _age(order, 120)

    assert services.release_expired_orders(older_than=timedelta(minutes=60)) == 1

    assert _stock_by_label(rose)["10 ml"] == 3
    assert StockMovement.objects.filter(reason=StockReason.EXPIRY, delta=3).count() == 1


def test_the_last_unit_of_one_size_leaves_the_others_on_sale(rose):
    services.place_order(checkout=make_checkout([(rose["30 ml"], 2)]))

    with pytest.raises(services.OutOfStock, match=r"Rose Otto \(30 ml\) has just sold out"):
        services.place_order(checkout=make_checkout([(rose["30 ml"], 1)]))
    order = services.place_order(checkout=make_checkout([(rose["5 ml"], 1)]))
    assert order.lines.get().sku == "ROSE-5"


def test_a_switched_off_size_cannot_be_ordered(rose):
    ProductVariant.objects.filter(pk=rose["5 ml"].pk).update(is_active=False)

    with pytest.raises(services.OutOfStock, match="sold out"):
        services.place_order(checkout=make_checkout([(rose["5 ml"], 1)]))
    assert _stock_by_label(rose)["5 ml"] == 4


def test_shipping_can_charge_by_the_parcel_weight(rose, tax_free):
    # given "free up to 100 g, then 1.50 per started kilogram" and a heavier parcel
    parcel = ShippingMethodFactory(
        name="Parcel", price=0, included_weight_grams=100, surcharge_per_kg=150
    )
    light = services.place_order(
        checkout=make_checkout([(rose["5 ml"], 2)], shipping=parcel)  # 90 g
    )
    heavy = services.place_order(
        checkout=make_checkout([(rose["30 ml"], 2)], shipping=parcel)  # 220 g
    )

    assert light.shipping == 0
    assert heavy.shipping == 150
    assert heavy.total == 2 * 2200 + 150


def test_methods_without_a_weight_rule_ignore_the_weight(rose, tax_free):
    flat = ShippingMethodFactory(name="Flat", price=495, free_over=None)

    order = services.place_order(checkout=make_checkout([(rose["30 ml"], 2)], shipping=flat))

    assert order.shipping == 495
