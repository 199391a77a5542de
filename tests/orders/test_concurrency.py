"""Races with real connections: many buyers, one last unit; replayed payments.

Runs on whatever database the suite runs on (DB_CONNECTION=sqlite / mariadb / pgsql).
Each thread opens its own database connection; on SQLite the writers serialise
(IMMEDIATE transactions), on MariaDB and PostgreSQL they really race on row locks.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from django.db import connection

from scent.cart.models import Cart, CartItem
from scent.catalog.models import Product
from scent.checkout.models import Coupon
from scent.orders import services
from scent.orders.models import Order, OrderStatus
from tests.factories import CouponFactory, ProductFactory, ShippingMethodFactory
from tests.orders.support import make_checkout, queued_emails
from tests.orders.support import race as _race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BUYERS = 24


def _kinds(results: list[object]) -> Counter:
    return Counter(type(r).__name__ for r in results)


def test_the_last_unit_is_sold_exactly_once_to_many_concurrent_buyers():
    product = ProductFactory(name="Last Lavender", stock_quantity=1)
    shipping = ShippingMethodFactory()

    def buy(i: int) -> Order:
        checkout = make_checkout([(product, 1)], email=f"buyer{i}@example.com", shipping=shipping)
        return services.place_order(checkout=checkout)

    results = _race(BUYERS, buy)

    assert _kinds(results) == {"Order": 1, "OutOfStock": BUYERS - 1}, [
        r for r in results if not isinstance(r, Order | services.OutOfStock)
    ]
    assert Product.objects.get(pk=product.pk).stock_quantity == 0
    assert Order.objects.count() == 1
    print(f"\n[{connection.vendor}] {BUYERS} buyers, 1 unit: {_kinds(results)}")


def test_buyers_of_several_products_in_any_order_neither_oversell_nor_deadlock():
    a = ProductFactory(stock_quantity=3)
    b = ProductFactory(stock_quantity=3)
    shipping = ShippingMethodFactory()

    def buy(i: int) -> Order:
        items = [(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)]
        checkout = make_checkout(items, email=f"buyer{i}@example.com", shipping=shipping)
        return services.place_order(checkout=checkout)

    results = _race(BUYERS, buy)

    assert _kinds(results) == {"Order": 3, "OutOfStock": BUYERS - 3}, results
    assert Product.objects.get(pk=a.pk).stock_quantity == 0
    assert Product.objects.get(pk=b.pk).stock_quantity == 0


def test_a_coupon_with_a_usage_limit_is_not_overused_under_concurrency():
    product = ProductFactory(stock_quantity=100)
    CouponFactory(code="FIRST5", usage_limit=5)
    shipping = ShippingMethodFactory()

    def buy(i: int) -> Order:
        checkout = make_checkout(
            [(product, 1)], email=f"buyer{i}@example.com", coupon_code="FIRST5", shipping=shipping
        )
        return services.place_order(checkout=checkout)

    results = _race(BUYERS, buy)

    assert _kinds(results) == {"Order": 5, "CouponRejected": BUYERS - 5}, results
    assert Coupon.objects.get(code="FIRST5").times_used == 5
    assert Product.objects.get(pk=product.pk).stock_quantity == 95


def test_concurrent_payment_confirmations_mark_paid_once_and_queue_one_email():
    product = ProductFactory(stock_quantity=5)
    order = services.place_order(checkout=make_checkout([(product, 1)]))

    def confirm(i: int) -> bool:
        # Half are "browser returns", half "webhooks", all for the same payment.
        return services.mark_order_paid(
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            gateway="test",
            reference="pi_same",
        )

    results = _race(20, confirm)

    assert Counter(results) == {True: 1, False: 19}, results
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(queued_emails("order_confirmation")) == 1


def test_a_double_clicked_place_order_creates_one_order():
    product = ProductFactory(stock_quantity=5)
    cart = Cart.objects.create()
    CartItem.objects.create(cart=cart, product=product, quantity=2)
    checkout = dataclasses.replace(
        make_checkout([(product, 2)], cart_id=cart.pk), token="same-checkout"
    )

    results = _race(6, lambda i: services.place_order(checkout=checkout))

    assert {type(r).__name__ for r in results} == {"Order"}, results
    assert len({r.pk for r in results}) == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 3


def test_payments_racing_the_expiry_job_end_paid_with_their_stock_held_once():
    from datetime import timedelta

    from django.utils import timezone

    product = ProductFactory(stock_quantity=10)
    orders = [
        services.place_order(checkout=make_checkout([(product, 2)], email=f"b{i}@example.com"))
        for i in range(5)
    ]
    Order.objects.update(created_at=timezone.now() - timedelta(hours=3))

    def work(i: int):
        if i == 0:
            return services.release_expired_orders(older_than=timedelta(hours=1))
        order = orders[i - 1]
        return services.mark_order_paid(
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            gateway="test",
            reference=f"pi_{i}",
        )

    results = _race(6, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert set(Order.objects.values_list("status", "holds_stock")) == {(OrderStatus.PAID, True)}
    assert Product.objects.get(pk=product.pk).stock_quantity == 0
    assert len(queued_emails("order_confirmation")) == 5
