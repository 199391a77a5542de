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
from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from scent.checkout.models import Coupon
from scent.orders import services
from scent.orders.models import Order, OrderLine, OrderStatus
from tests.factories import CouponFactory, ProductFactory, ShippingMethodFactory, variant_of
from tests.orders.support import make_checkout, queued_emails, stock
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
    assert stock(product) == 0
    assert Order.objects.count() == 1
    assert not Product.objects.get(pk=product.pk).in_stock  # shown as sold out
    print(f"\n[{connection.vendor}] {BUYERS} buyers, 1 unit: {_kinds(results)}")


def test_the_last_unit_of_one_size_is_sold_once_and_the_other_sizes_are_untouched():
    # Given an oil in three sizes whose 10 ml is on offer with one bottle left
    oil = ProductFactory(
        name="Neroli",
        variants=[
            {"label": "5 ml", "sku": "NER-5", "price": 1050, "stock_quantity": 5},
            {
                "label": "10 ml",
                "sku": "NER-10",
                "price": 990,
                "compare_at_price": 1450,
                "stock_quantity": 1,
            },
            {"label": "30 ml", "sku": "NER-30", "price": 2900, "stock_quantity": 5},
        ],
    )
    sizes = {v.label: v for v in ProductVariant.objects.filter(product=oil)}
    assert (oil.price, oil.compare_at_price, oil.in_stock) == (990, 1450, True)
    shipping = ShippingMethodFactory()

    # When 24 shoppers order that last 10 ml at the same moment
    def buy(i: int) -> Order:
        checkout = make_checkout(
            [(sizes["10 ml"], 1)], email=f"buyer{i}@example.com", shipping=shipping
        )
        return services.place_order(checkout=checkout)

    results = _race(BUYERS, buy)

    # Then one of them gets it and everyone else is told it sold out
    assert _kinds(results) == {"Order": 1, "OutOfStock": BUYERS - 1}, [
        r for r in results if not isinstance(r, Order | services.OutOfStock)
    ]
    (order,) = Order.objects.all()
    (line,) = OrderLine.objects.filter(order=order)
    assert (line.variant_id, line.variant_label, line.sku, line.quantity) == (
        sizes["10 ml"].pk,
        "10 ml",
        "NER-10",
        1,
    )
    assert all("Neroli (10 ml) has just sold out" in str(r) for r in results if r != order)
    # ...the 10 ml shelf is empty, the other sizes still hold everything they had
    shelves = dict(
        ProductVariant.objects.filter(product=oil).values_list("label", "stock_quantity")
    )
    assert shelves == {"5 ml": 5, "10 ml": 0, "30 ml": 5}
    # ...one movement tells the stock history of that sale, none touch the other sizes
    (movement,) = StockMovement.objects.filter(variant=sizes["10 ml"])
    assert (movement.reason, movement.delta, movement.quantity_after, movement.reference) == (
        StockReason.ORDER,
        -1,
        0,
        order.number,
    )
    assert not StockMovement.objects.exclude(variant=sizes["10 ml"]).exists()
    # ...and the shop now shows the oil from its cheapest size still in stock, no offer
    oil.refresh_from_db()
    assert (oil.in_stock, oil.price, oil.compare_at_price, oil.price_max) == (
        True,
        1050,
        None,
        2900,
    )
    assert not oil.on_sale


def test_buyers_of_different_sizes_of_one_product_at_once_all_get_their_size():
    # Given an oil in two sizes, 12 bottles of each
    per_size = BUYERS // 2
    oil = ProductFactory(
        name="Vetiver",
        variants=[
            {"label": "10 ml", "sku": "VET-10", "price": 1250, "stock_quantity": per_size},
            {"label": "30 ml", "sku": "VET-30", "price": 3100, "stock_quantity": per_size},
        ],
    )
    small, large = ProductVariant.objects.filter(product=oil).order_by("price")
    shipping = ShippingMethodFactory()

    # When 12 shoppers buy a 10 ml and 12 others a 30 ml, all at the same moment
    def buy(i: int) -> Order:
        size = small if i % 2 else large
        checkout = make_checkout([(size, 1)], email=f"buyer{i}@example.com", shipping=shipping)
        return services.place_order(checkout=checkout)

    results = _race(BUYERS, buy)

    # Then every one of them has an order for the size they chose
    assert _kinds(results) == {"Order": BUYERS}, results
    sold = Counter(OrderLine.objects.values_list("variant__label", flat=True))
    assert sold == {"10 ml": per_size, "30 ml": per_size}
    # ...both shelves are empty, each sale counted down once (no lost or doubled update)
    for size in (small, large):
        size.refresh_from_db()
        assert size.stock_quantity == 0
        afters = StockMovement.objects.filter(variant=size, reason=StockReason.ORDER)
        assert sorted(afters.values_list("quantity_after", flat=True)) == list(range(per_size))
    # ...and the oil is shown sold out, at its cheapest size's price
    oil.refresh_from_db()
    assert (oil.in_stock, oil.price, oil.price_max, oil.variant_count) == (False, 1250, 3100, 2)


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
    assert stock(a) == 0
    assert stock(b) == 0


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
    assert stock(product) == 95


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
    CartItem.objects.create(cart=cart, variant=variant_of(product), quantity=2)
    checkout = dataclasses.replace(
        make_checkout([(product, 2)], cart_id=cart.pk), token="same-checkout"
    )

    results = _race(6, lambda i: services.place_order(checkout=checkout))

    assert {type(r).__name__ for r in results} == {"Order"}, results
    assert len({r.pk for r in results}) == 1
    assert stock(product) == 3


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
    assert stock(product) == 0
    assert len(queued_emails("order_confirmation")) == 5
