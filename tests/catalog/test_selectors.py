from datetime import timedelta

import pytest
from django.utils import timezone

from scent.catalog import selectors
from scent.catalog.models import NotePosition, Product, ScentFamily
from scent.catalog.selectors import ProductFilters
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db


def names(qs) -> list[str]:
    return [p.name for p in qs]


def test_list_shows_only_active_products_in_active_categories():
    hidden_category = CategoryFactory(name="Hidden", is_active=False)
    ProductFactory(name="Visible")
    ProductFactory(name="Switched off", is_active=False)
    ProductFactory(name="In hidden category", category=hidden_category)

    assert names(selectors.product_list()) == ["Visible"]


def test_filters_by_category_family_mood_and_stock():
    oils, candles = CategoryFactory(name="Oils"), CategoryFactory(name="Candles")
    calm = MoodFactory(name="Calm")
    ProductFactory(name="Lavender", category=oils, moods=[calm])
    ProductFactory(name="Orange", category=oils, scent_family=ScentFamily.CITRUS)
    ProductFactory(name="Cedar candle", category=candles, scent_family=ScentFamily.WOODY)
    ProductFactory(name="Sold-out lemon", scent_family=ScentFamily.CITRUS, stock_quantity=0)

    assert names(selectors.product_list(filters=ProductFilters(category=oils))) == [
        "Lavender",
        "Orange",
    ]
    assert names(selectors.product_list(filters=ProductFilters(family="citrus"))) == [
        "Orange",
        "Sold-out lemon",
    ]
    assert names(selectors.product_list(filters=ProductFilters(mood=calm))) == ["Lavender"]
    in_stock_citrus = ProductFilters(family="citrus", in_stock=True)
    assert names(selectors.product_list(filters=in_stock_citrus)) == ["Orange"]


def test_price_range_includes_both_ends():
    for price in (999, 1000, 1250, 1500, 1501):
        ProductFactory(name=f"P{price}", price=price)

    filters = ProductFilters(min_price=1000, max_price=1500, sort="price_asc")

    assert names(selectors.product_list(filters=filters)) == ["P1000", "P1250", "P1500"]


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
def test_search_matches_name_descriptions_notes_and_moods():
    bergamot = NoteFactory(name="Bergamot")
    sleep = MoodFactory(name="Sleep")
    ProductFactory(name="Lavender Oil")
    ProductFactory(name="Morning Mist", short_description="Bright lavender spray")
    ProductFactory(name="Pillow Blend", description="Soft lavender and chamomile.")
    ProductFactory(name="Earl Grey Candle", with_notes={"top": [bergamot]})
    ProductFactory(name="Night Balm", moods=[sleep])
    ProductFactory(name="Unrelated")

    def search(text: str) -> list[str]:
        return names(selectors.product_list(filters=ProductFilters(q=text, sort="name")))

    assert search("lavender") == ["Lavender Oil", "Morning Mist", "Pillow Blend"]
    assert search("BERGAMOT") == ["Earl Grey Candle"]
    assert search("sleep") == ["Night Balm"]
    assert search("lavender chamomile") == ["Pillow Blend"]  # every word must match
    assert search("nothing-like-this") == []


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
def test_search_lists_a_product_once_when_several_notes_match():
    notes = [NoteFactory(name=name) for name in ("Rose", "Rosewood", "Rose geranium")]
    ProductFactory(
        name="Rose Blend",
        with_notes={"top": notes[:1], "heart": notes[1:2], "base": notes[2:]},
    )

    found = selectors.product_list(filters=ProductFilters(q="rose"))

    assert names(found) == ["Rose Blend"]
    assert found.count() == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("featured", ["Bravo", "Alpha", "Charlie"]),
        ("price_asc", ["Charlie", "Alpha", "Bravo"]),
        ("price_desc", ["Bravo", "Alpha", "Charlie"]),
        ("newest", ["Charlie", "Bravo", "Alpha"]),
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("unknown", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_sort_orders(sort, expected):
    now = timezone.now()
    for name, price, featured, age in (
        ("Alpha", 1500, False, 3),
        ("Bravo", 2500, True, 2),
        ("Charlie", 500, False, 1),
    ):
        product = ProductFactory(name=name, price=price, is_featured=featured)
        Product.objects.filter(pk=product.pk).update(created_at=now - timedelta(days=age))

    assert names(selectors.product_list(filters=ProductFilters(sort=sort))) == expected


def test_product_page_has_images_in_order_and_notes_top_to_base():
    top, heart, base = (
        NoteFactory(name="Yuzu"),
        NoteFactory(name="Neroli"),
        NoteFactory(name="Amber"),
    )
    product = ProductFactory(
        name="Sunrise", with_notes={"base": [base], "top": [top], "heart": [heart]}
    )
    ProductImageFactory(product=product, alt_text="second", position=2)
    ProductImageFactory(product=product, alt_text="first", position=1)

    page_product = selectors.product_for_page(slug="sunrise")
    selectors.product_page_images([page_product])

    assert [i.alt_text for i in page_product.images.all()] == ["first", "second"]
    assert [(pn.position, pn.note.name) for pn in page_product.product_notes.all()] == [
        (NotePosition.TOP, "Yuzu"),
        (NotePosition.HEART, "Neroli"),
        (NotePosition.BASE, "Amber"),
    ]


def test_product_for_page_is_none_for_inactive_or_unknown_products():
    ProductFactory(name="Gone", is_active=False)

    assert selectors.product_for_page(slug="gone") is None
    assert selectors.product_for_page(slug="never-existed") is None


def test_related_products_share_category_or_family_and_exclude_the_product():
    oils, candles, soaps = (CategoryFactory(name=n) for n in ("Oils", "Candles", "Soaps"))
    product = ProductFactory(name="Lavender", category=oils, scent_family=ScentFamily.FLORAL)
    ProductFactory(name="Tea Tree", category=oils, scent_family=ScentFamily.HERBAL)
    ProductFactory(name="Rose Candle", category=candles, scent_family=ScentFamily.FLORAL)
    ProductFactory(name="Cedar Soap", category=soaps, scent_family=ScentFamily.WOODY)
    ProductFactory(name="Hidden Oil", category=oils, is_active=False)

    related = selectors.related_products(product=product)

    assert names(related) == ["Tea Tree", "Rose Candle"]  # same category first


def test_related_products_are_limited():
    oils = CategoryFactory(name="Oils")
    product = ProductFactory(category=oils)
    for _ in range(selectors.RELATED_PRODUCTS + 3):
        ProductFactory(category=oils)

    assert len(selectors.related_products(product=product)) == selectors.RELATED_PRODUCTS


def test_featured_products_are_active_featured_ones():
    ProductFactory(name="Star", is_featured=True)
    ProductFactory(name="Plain")
    ProductFactory(name="Hidden star", is_featured=True, is_active=False)

    assert names(selectors.featured_products()) == ["Star"]
