import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from scent.catalog import demo_data, inventory
from scent.catalog.models import (
    Category,
    Mood,
    Note,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
    StockMovement,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", *args, stdout=out, verbosity=1)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Category, Mood, Note, Product, ProductVariant, ProductNote, ProductImage)
    }


@pytest.mark.slow
def test_seed_fills_a_realistic_catalogue_once_and_then_changes_nothing():
    # given an empty shop, when `make run` seeds it
    output = seed("--if-empty")

    # then every category has products, each with notes, moods and two real pictures
    assert "products: 46 created" in output
    assert Product.objects.count() >= 40
    names = set(Category.objects.values_list("name", flat=True))
    assert names == {
        "Essential oils",
        "Blends",
        "Diffusers",
        "Candles",
        "Soaps & bath",
        "Gift sets",
    }
    for category in Category.objects.all():
        assert category.description
        assert category.products.count() >= 5, category
    assert set(Mood.objects.values_list("slug", flat=True)) == {
        "calm", "sleep", "energy", "focus", "uplift", "relief", "romance",
    }  # fmt: skip
    assert Note.objects.count() >= 40
    lavender = Note.objects.get(name="Lavender")
    assert (lavender.family, lavender.origin) == ("floral", "Provence, France")
    for product in Product.objects.prefetch_related("images", "product_notes", "moods"):
        assert product.product_notes.all(), product
        assert product.moods.all(), product
        assert product.short_description and product.description and product.how_to_use
        pictures = list(product.images.all())
        assert [p.position for p in pictures] == [0, 1], product
        for picture in pictures:
            assert picture.alt_text.startswith(product.name)
            assert (picture.width, picture.height) == (800, 800)
            with picture.thumbnail.open("rb") as fh:
                assert Image.open(io.BytesIO(fh.read())).size == (480, 480)
    # a shop with prices, offers, low and sold-out stock and featured products
    assert Product.objects.filter(compare_at_price__isnull=False).count() >= 5
    assert ProductVariant.objects.filter(stock_quantity=0).count() >= 2
    assert ProductVariant.objects.filter(stock_quantity__range=(1, 5)).count() >= 3
    assert Product.objects.filter(is_featured=True).count() >= 8
    sandalwood = ProductVariant.objects.get(sku="EO-SAN-05")
    assert sandalwood.price == 8900 and sandalwood.compare_at_price == 9900
    # sizes: oils in 5 / 10 / 30 ml, candles and diffusers in two, soaps single or a pack
    lavender = ProductVariant.objects.get(sku="EO-LAV-10").product
    assert [(v.label, v.price) for v in lavender.variants.all()] == [
        ("5 ml", 790),
        ("10 ml", 1250),
        ("30 ml", 2890),
    ]
    assert lavender.price == 790 and lavender.price_varies
    for slug, labels in (("candles", 2), ("diffusers", 2)):
        assert ProductVariant.objects.filter(
            product__category__slug=slug, label__in=["400 g", "200 ml"]
        ).exists(), (slug, labels)
    assert ProductVariant.objects.filter(label="Pack of 3").count() >= 3
    assert all(v.weight_grams > 0 for v in ProductVariant.objects.all())
    # the opening stock of each size is a recorded movement
    assert StockMovement.objects.filter(reference="demo catalogue").count() == (
        ProductVariant.objects.filter(stock_quantity__gt=0).count()
    )

    # when it runs again
    before = _counts()
    stamps = dict(Product.objects.values_list("slug", "updated_at"))
    files = set(ProductImage.objects.values_list("image", flat=True))
    output = seed()

    # then nothing changed: no duplicates, no new files, not even a timestamp
    assert "nothing changed" in output
    assert _counts() == before
    assert dict(Product.objects.values_list("slug", "updated_at")) == stamps
    assert set(ProductImage.objects.values_list("image", flat=True)) == files


@pytest.mark.slow
def test_seed_repairs_demo_products_in_place_and_leaves_the_owners_alone():
    seed()
    size = ProductVariant.objects.get(sku="EO-LAV-10")
    lavender = size.product
    ProductVariant.objects.filter(pk=size.pk).update(price=1, stock_quantity=3)
    Product.objects.filter(pk=lavender.pk).update(name="Renamed")
    lavender.product_notes.all().delete()
    mine = ProductFactory(name="My Own Oil", sku="MINE-1", category=lavender.category)

    output = seed()

    lavender.refresh_from_db()
    size.refresh_from_db()
    assert "products: 0 created, 1 updated" in output
    assert (size.price, lavender.name) == (1250, "Lavender Essential Oil")
    assert size.stock_quantity == 3  # what the shop sold since is not undone
    assert [pn.note.name for pn in lavender.product_notes.all()] == ["Lavender"]
    assert Product.objects.filter(pk=mine.pk, name="My Own Oil").exists()
    assert lavender.images.count() == 2


def test_if_empty_leaves_a_shop_with_products_untouched():
    ProductFactory(name="Only product")

    output = seed("--if-empty")

    assert "nothing seeded" in output
    assert list(Product.objects.values_list("name", flat=True)) == ["Only product"]
    assert not Category.objects.filter(slug="essential-oils").exists()


@pytest.mark.slow
def test_products_option_adds_synthetic_products_with_notes_moods_and_shared_pictures():
    seed()
    demo = Product.objects.count()

    output = seed("--products", "300", "--batch-size", "120")

    assert "300 added" in output
    bench = Product.objects.filter(variants__sku__startswith="BENCH-").distinct()
    assert Product.objects.count() == demo + 300 == len(demo_data.PRODUCTS) + 300
    assert bench.filter(product_notes__isnull=True).count() == 0
    assert bench.filter(moods__isnull=True).count() == 0
    assert ProductImage.objects.filter(product__in=bench).count() == 300
    shared = set(ProductImage.objects.filter(product__in=bench).values_list("image", flat=True))
    assert len(shared) <= 9  # one picture per scent family, not one per product
    picture = ProductImage.objects.filter(product__in=bench).first()
    assert picture.thumbnail.storage.exists(picture.thumbnail.name)
    assert bench.values("slug").distinct().count() == 300
    # one to three sizes each, and each product's summary matches its sizes
    sizes = ProductVariant.objects.filter(product__in=bench)
    per_product = Counter(sizes.values_list("product_id", flat=True))
    assert set(per_product.values()) == {1, 2, 3}
    for product in bench.prefetch_related("variants")[:50]:
        summary = inventory.summarise(product.variants.all())
        assert (product.price, product.in_stock, product.variant_count) == (
            summary.price,
            summary.in_stock,
            summary.variant_count,
        )

    # asking for the same number again adds nothing; asking for more tops up
    assert "0 added, 300 in total" in seed("--products", "300")
    assert "50 added, 350 in total" in seed("--products", "350")
    assert bench.count() == 350


def test_bad_options_are_refused_clearly():
    with pytest.raises(CommandError, match="--products must be 0 or more"):
        seed("--products", "-5")
