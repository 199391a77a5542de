"""Double clicks: the same size added to one cart from many connections at once."""

from __future__ import annotations

import pytest

from scent.cart import services
from scent.cart.models import Cart, CartItem
from tests.factories import ProductFactory, variant_of
from tests.orders.support import race as _race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_concurrent_adds_of_a_new_product_end_in_one_line_with_every_unit():
    product = ProductFactory(stock_quantity=50)
    size = variant_of(product)
    cart = Cart.objects.create()

    results = _race(12, lambda i: services.add_to_cart(cart=cart, variant_id=size.pk, quantity=1))

    assert all(isinstance(r, CartItem) for r in results), results
    assert CartItem.objects.get(cart=cart).quantity == 12
    assert CartItem.objects.get(cart=cart).variant_id == size.pk


def test_concurrent_adds_of_two_sizes_of_one_product_end_in_one_line_per_size():
    product = ProductFactory(
        variants=[
            {"label": "10 ml", "sku": "ROSE-10", "price": 1400, "stock_quantity": 50},
            {"label": "30 ml", "sku": "ROSE-30", "price": 3400, "stock_quantity": 50},
        ]
    )
    small, large = product.variants.order_by("price")
    cart = Cart.objects.create()

    results = _race(
        12,
        lambda i: services.add_to_cart(
            cart=cart, variant_id=(small if i % 2 else large).pk, quantity=1
        ),
    )

    assert all(isinstance(r, CartItem) for r in results), results
    lines = dict(CartItem.objects.filter(cart=cart).values_list("variant_id", "quantity"))
    assert lines == {small.pk: 6, large.pk: 6}
