"""Double clicks: the same product added to one cart from many connections at once."""

from __future__ import annotations

import pytest

from scent.cart import services
from scent.cart.models import Cart, CartItem
from tests.factories import ProductFactory
from tests.orders.support import race as _race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_concurrent_adds_of_a_new_product_end_in_one_line_with_every_unit():
    product = ProductFactory(stock_quantity=50)
    cart = Cart.objects.create()

    results = _race(
        12, lambda i: services.add_to_cart(cart=cart, product_id=product.pk, quantity=1)
    )

    assert all(isinstance(r, CartItem) for r in results), results
    assert CartItem.objects.get(cart=cart).quantity == 12
