"""Reading an owner's size list and adding those sizes to products."""

from __future__ import annotations

import pytest

from scent.catalog.models import Product, ProductVariant
from scent.catalog.sizes import SizeListError, SizeSpec, add_sizes, parse_size_list, sku_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_list_is_read_with_commas_semicolons_or_new_lines():
    text = "5 ml: 6.50, 10 ml: 9.90;\n30 ml : 22\nPack of 3: 15.00,"

    assert parse_size_list(text, currency="USD") == [
        SizeSpec("5 ml", 650),
        SizeSpec("10 ml", 990),
        SizeSpec("30 ml", 2200),
        SizeSpec("Pack of 3", 1500),
    ]


def test_a_currency_without_decimals_takes_whole_amounts():
    assert parse_size_list("Large: 1200", currency="JPY") == [SizeSpec("Large", 1200)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "List at least one size"),
        ("5 ml 6.50", "write each size as “label: price”"),
        (": 6.50", "write each size as “label: price”"),
        ("5 ml: £6", "Enter an amount like 12.50"),
        ("5 ml: 6.505", "Use at most 2 decimals"),
        ("5 ml: 0", "the price must be more than zero"),
        ("5 ml: 1, 5 ML: 2", "“5 ML” is listed twice"),
        ("x" * 41 + ": 1", "at most 40 characters"),
        ("5 ml: 1,250.00", "“250.00”: write each size as “label: price”"),
    ],
)
def test_every_mistake_is_named(text, problem):
    with pytest.raises(SizeListError) as err:
        parse_size_list(text, currency="USD")
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_all_mistakes_are_reported_at_once():
    with pytest.raises(SizeListError) as err:
        parse_size_list("a, b: x, c: 1", currency="USD")
    assert len(err.value.problems) == 2


@pytest.mark.parametrize(
    ("base", "label", "sku"),
    [
        ("EO-LAV-10", "5 ml", "EO-LAV-5ML"),
        ("SO-OAT-1", "Pack of 3", "SO-OAT-PACKOF3"),
        ("LAVENDER", "30 ml", "LAVENDER-30ML"),
        ("X" * 40, "30 ml", "X" * 35 + "-30ML"),
    ],
)
def test_a_new_sizes_sku_follows_the_products_first(base, label, sku):
    assert sku_for(base, label) == sku
    assert len(sku_for(base, label)) <= 40


def test_added_sizes_go_after_the_existing_ones_with_no_stock():
    product = ProductFactory(sku="EO-LAV-10", size="10 ml", price=1250, stock_quantity=3)

    added = add_sizes(product_ids=[product.pk], sizes=[SizeSpec("5 ml", 650), SizeSpec("10 ML", 1)])

    assert [v.sku for v in added.created] == ["EO-LAV-5ML"]
    assert added.skipped == {product.name: ["10 ML"]}
    rows = product.variants.order_by("position").values_list("label", "price", "stock_quantity")
    assert list(rows) == [("10 ml", 1250, 3), ("5 ml", 650, 0)]
    product.refresh_from_db()
    assert (product.price, product.price_max, product.variant_count) == (1250, 1250, 2)


def test_a_product_with_no_size_left_gets_skus_from_its_slug():
    product = ProductFactory(slug="cedar-candle", variants=[])

    add_sizes(product_ids=[product.pk], sizes=[SizeSpec("200 g", 2200)])

    size = product.variants.get()
    assert (size.sku, size.position) == ("CEDAR-200G", 0)
    assert Product.objects.get(pk=product.pk).price == 2200


def test_a_clash_with_an_existing_sku_adds_nothing_anywhere():
    lavender = ProductFactory(sku="EO-LAV-10")
    tea_tree = ProductFactory(sku="EO-TEA-10")
    ProductFactory(sku="EO-TEA-5ML")

    with pytest.raises(SizeListError, match="SKU EO-TEA-5ML already belongs"):
        add_sizes(product_ids=[lavender.pk, tea_tree.pk], sizes=[SizeSpec("5 ml", 650)])

    assert not ProductVariant.objects.filter(sku="EO-LAV-5ML").exists()


def test_two_products_that_would_share_a_new_sku_are_refused():
    one = ProductFactory(sku="EO-LAV-10")
    two = ProductFactory(sku="EO-LAV-30")

    with pytest.raises(SizeListError, match="share the SKU EO-LAV-5ML"):
        add_sizes(product_ids=[one.pk, two.pk], sizes=[SizeSpec("5 ml", 650)])
    assert ProductVariant.objects.count() == 2
