"""The one owner of stock: every change per size, one exception, one movement each time,
and the product's summary (cheapest in-stock price, in stock) kept in step."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from scent.catalog import inventory
from scent.catalog.inventory import InsufficientStock, StockError
from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _oil(**sizes) -> Product:
    """Lavender in 5, 10 and 30 ml, with the given stock per size."""
    stock = {"5": 5, "10": 5, "30": 5, **sizes}
    return ProductFactory(
        name="Lavender",
        variants=[
            {"label": "5 ml", "sku": "LAV-5", "price": 650, "stock_quantity": stock["5"]},
            {"label": "10 ml", "sku": "LAV-10", "price": 1250, "stock_quantity": stock["10"]},
            {"label": "30 ml", "sku": "LAV-30", "price": 2900, "stock_quantity": stock["30"]},
        ],
    )


def _size(sku: str) -> ProductVariant:
    return ProductVariant.objects.get(sku=sku)


def _stock(*skus: str) -> tuple[int, ...]:
    return tuple(_size(sku).stock_quantity for sku in skus)


def test_stock_goes_up_and_down_per_size_with_a_movement_and_a_log_line_each_time(caplog):
    # given lavender with 5 units of each size
    product = _oil()
    ten = _size("LAV-10")
    owner = UserFactory(is_staff=True)

    # when a delivery of 7 comes in and 12 go out
    with caplog.at_level(logging.INFO, logger="scent.catalog.stock"):
        assert inventory.adjust_stock(variant=ten, delta=7, reference="delivery", actor=owner) == 12
        assert inventory.adjust_stock(variant=ten, delta=-12, reference="damaged") == 0

    # then only the 10 ml moved, and each change left one movement, newest first
    assert _stock("LAV-5", "LAV-10", "LAV-30") == (5, 0, 5)
    moves = list(ten.stock_movements.values_list("delta", "quantity_after", "reference", "actor"))
    assert moves == [(-12, 0, "damaged", None), (7, 12, "delivery", owner.pk)]
    assert "stock LAV-10 +7 -> 12 (manual delivery)" in caplog.text
    assert "stock LAV-10 -12 -> 0 (manual damaged)" in caplog.text
    assert not StockMovement.objects.exclude(variant=ten).exists()
    product.refresh_from_db()
    assert product.in_stock


def test_taking_more_than_the_shelf_holds_raises_the_one_stock_error_and_writes_nothing():
    # given 2 units of the 10 ml
    _oil(**{"10": 2})
    ten = _size("LAV-10")

    # when 3 are taken
    with pytest.raises(InsufficientStock) as err:
        inventory.adjust_stock(variant=ten, delta=-3)

    # then the shopper-facing message names the size, and nothing moved
    assert isinstance(err.value, StockError)
    assert str(err.value) == "Sorry, only 2 of Lavender (10 ml) left in stock."
    assert (err.value.available, err.value.wanted) == (2, 3)
    assert _stock("LAV-10") == (2,)
    assert not StockMovement.objects.exists()


def test_a_stale_copy_of_a_size_cannot_oversell():
    # given one unit, and a copy of the size loaded before someone else sold it
    _oil(**{"10": 1})
    fresh, stale = _size("LAV-10"), _size("LAV-10")
    inventory.adjust_stock(variant=fresh, delta=-1)

    # when the stale copy sells it again, then it is refused: the database decides
    with pytest.raises(InsufficientStock, match="has just sold out"):
        inventory.adjust_stock(variant=stale, delta=-1)
    assert _stock("LAV-10") == (0,)


def test_reserving_several_sizes_is_all_or_nothing():
    # given plenty of 5 ml and a single 30 ml
    _oil(**{"5": 9, "30": 1})
    five, thirty = _size("LAV-5"), _size("LAV-30")

    # when an order wants 2 of each
    wants = pytest.raises(InsufficientStock, match=r"only 1 of Lavender \(30 ml\)")
    with wants, transaction.atomic():
        inventory.reserve_stock({five.pk: 2, thirty.pk: 2}, reference="order")

    # then the 5 ml it could have had stays on the shelf
    assert _stock("LAV-5", "LAV-30") == (9, 1)
    assert not StockMovement.objects.exists()


def test_a_reservation_records_one_movement_per_size_and_can_be_named_after_the_order():
    _oil()
    five, ten = _size("LAV-5"), _size("LAV-10")

    reservation = inventory.reserve_stock({ten.pk: 2, five.pk: 1})
    reservation.label_movements("SC-000042")

    rows = StockMovement.objects.order_by("variant__sku").values_list(
        "variant__sku", "delta", "quantity_after", "reason", "reference"
    )
    assert list(rows) == [
        ("LAV-10", -2, 3, StockReason.ORDER, "SC-000042"),
        ("LAV-5", -1, 4, StockReason.ORDER, "SC-000042"),
    ]
    assert reservation.variants[ten.pk].stock_quantity == 3


def test_orders_cannot_take_a_size_that_is_no_longer_sold_but_a_stock_take_can():
    # given a 30 ml the owner switched off, with 5 on the shelf
    _oil()
    ProductVariant.objects.filter(sku="LAV-30").update(is_active=False)
    thirty = _size("LAV-30")

    # when an order tries to take one, then it is refused as sold out
    with pytest.raises(InsufficientStock, match="has just sold out"):
        inventory.reserve_stock({thirty.pk: 1})

    # but the owner can still count and correct it
    assert inventory.adjust_stock(variant=thirty, delta=-2) == 3


def test_releasing_puts_units_back_on_the_right_size_and_skips_deleted_sizes():
    _oil(**{"10": 0})
    ten = _size("LAV-10")
    gone_id = _size("LAV-5").pk
    ProductVariant.objects.filter(pk=gone_id).delete()

    inventory.release_stock({ten.pk: 2, gone_id: 1}, reason=StockReason.CANCEL, reference="SC-7")

    assert _stock("LAV-10") == (2,)
    move = StockMovement.objects.get()
    assert (move.variant_id, move.delta, move.reason, move.reference) == (
        ten.pk,
        2,
        StockReason.CANCEL,
        "SC-7",
    )
    assert Product.objects.get().in_stock


def test_a_stock_take_sets_the_count_records_the_difference_and_refuses_bad_figures():
    _oil(**{"10": 4})
    ten = _size("LAV-10")

    assert inventory.set_stock(variant=ten, quantity=11, reference="count") == 11
    assert inventory.set_stock(variant=ten, quantity=11) == 11  # unchanged: no movement

    assert list(ten.stock_movements.values_list("delta", "quantity_after")) == [(7, 11)]
    with pytest.raises(StockError, match="cannot be negative"):
        inventory.set_stock(variant=ten, quantity=-1)
    with pytest.raises(StockError, match="whole number"):
        inventory.set_stock(variant=ten, quantity="lots")
    assert _stock("LAV-10") == (11,)


def test_a_stock_take_of_a_deleted_size_says_so():
    _oil()
    ten = _size("LAV-10")
    ProductVariant.objects.filter(pk=ten.pk).delete()

    with pytest.raises(StockError, match="no longer exists"):
        inventory.set_stock(variant=ten, quantity=3)


def test_a_new_sizes_opening_stock_is_recorded_once():
    product = ProductFactory(variants=[])
    size = ProductVariant.objects.create(
        product=product, label="100 ml", sku="DIF-100", price=3400, stock_quantity=6
    )

    inventory.record_opening_stock(variant=size, reference="new size")

    assert list(size.stock_movements.values_list("delta", "quantity_after", "reference")) == [
        (6, 6, "new size")
    ]
    product.refresh_from_db()
    assert (product.price, product.in_stock, product.variant_count) == (3400, True, 1)


# --- the product's summary ---------------------------------------------------------


def test_the_product_shows_the_cheapest_size_in_stock_and_follows_each_sale():
    # given 5 ml ($6.50) and 10 ml ($12.50) with one each, and a 30 ml ($29.00)
    product = _oil(**{"5": 1, "10": 1})
    assert (product.price, product.price_max, product.in_stock) == (650, 2900, True)

    # when the 5 ml sells out, the product is "from" the 10 ml
    inventory.adjust_stock(variant=_size("LAV-5"), delta=-1)
    product.refresh_from_db()
    assert product.price == 1250

    # when every size is sold out, it shows the cheapest active size and is out of stock
    inventory.adjust_stock(variant=_size("LAV-10"), delta=-1)
    inventory.set_stock(variant=_size("LAV-30"), quantity=0)
    product.refresh_from_db()
    assert (product.price, product.in_stock) == (650, False)

    # and one delivery of the 30 ml brings it back at that size's price
    inventory.adjust_stock(variant=_size("LAV-30"), delta=4)
    product.refresh_from_db()
    assert (product.price, product.in_stock) == (2900, True)


def test_the_summary_takes_the_compare_at_price_of_the_size_it_shows():
    product = ProductFactory(
        variants=[
            {"label": "Single bar", "sku": "SO-1", "price": 600, "compare_at_price": 800},
            {"label": "Pack of 3", "sku": "SO-3", "price": 1500, "compare_at_price": None},
        ]
    )
    assert (product.price, product.compare_at_price, product.variant_count) == (600, 800, 2)

    inventory.set_stock(variant=_size("SO-1"), quantity=0)
    product.refresh_from_db()
    assert (product.price, product.compare_at_price) == (1500, None)


def test_a_product_with_no_active_size_is_not_in_stock_and_has_no_sizes():
    product = _oil()
    ProductVariant.objects.filter(product=product).update(is_active=False)

    product = inventory.refresh_product_summary(product)

    assert (product.in_stock, product.variant_count, product.price) == (False, 0, 0)
    assert not Product.objects.active().filter(pk=product.pk).exists()
