import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from scent.catalog.models import Product, ProductImage
from scent.catalog.services import adjust_stock
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")
ADD = reverse("admin:catalog_product_add")


def _product_form(category, **overrides) -> dict:
    """What the add form posts when a shop owner fills it in, with empty inlines."""
    data = {
        "name": "Lavender Fields",
        "slug": "lavender-fields",
        "sku": "EO-LAV-10",
        "category": category.pk,
        "is_active": "on",
        "price": "12.50",
        "compare_at_price": "",
        "stock_quantity": "20",
        "initial-stock_quantity": "0",
        "short_description": "Calm in a bottle.",
        "description": "Steam-distilled lavender from Provence.",
        "size": "10 ml",
        "ingredients": "",
        "how_to_use": "",
        "scent_family": "floral",
        "meta_description": "",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "product_notes-TOTAL_FORMS": "0",
        "product_notes-INITIAL_FORMS": "0",
        "product_notes-MIN_NUM_FORMS": "0",
        "product_notes-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_the_product_list_shows_prices_formatted_and_a_thumbnail(admin_client):
    product = ProductFactory(name="Bergamot Bright", price=1250, currency="USD")
    ProductImageFactory(product=product, alt_text="Bergamot bottle")

    page = admin_client.get(CHANGELIST).content.decode()

    assert "Bergamot Bright" in page
    assert "$12.50" in page
    assert 'alt="Bergamot bottle"' in page and "-thumb.webp" in page


def test_search_finds_products_by_sku_name_and_description(admin_client):
    ProductFactory(name="Neroli Glow", sku="EO-NER-10", description="Orange blossom.")
    ProductFactory(name="Cedar Candle", sku="CA-CED-200", description="Smoky woods.")

    def names(q: str) -> list[str]:
        response = admin_client.get(CHANGELIST, {"q": q})
        return [p.name for p in response.context["cl"].result_list]

    assert names("EO-NER") == ["Neroli Glow"]
    assert names("cedar") == ["Cedar Candle"]
    assert names("blossom") == ["Neroli Glow"]


def test_the_stock_filter_separates_in_stock_low_and_sold_out(admin_client):
    ProductFactory(name="Plenty", stock_quantity=50)
    ProductFactory(name="Nearly gone", stock_quantity=2)
    ProductFactory(name="Gone", stock_quantity=0)

    def names(state: str) -> list[str]:
        response = admin_client.get(CHANGELIST, {"stock": state})
        return [p.name for p in response.context["cl"].result_list]

    assert names("in") == ["Plenty"]
    assert names("low") == ["Nearly gone"]
    assert names("out") == ["Gone"]
    assert "Sold out" in admin_client.get(CHANGELIST).content.decode()


def test_filters_by_category_mood_and_family(admin_client):
    candles = CategoryFactory(name="Candles")
    sleep = MoodFactory(name="Sleep")
    ProductFactory(name="Night Candle", category=candles, moods=[sleep], scent_family="woody")
    ProductFactory(name="Morning Oil", scent_family="citrus")

    def names(**params) -> list[str]:
        response = admin_client.get(CHANGELIST, params)
        return [p.name for p in response.context["cl"].result_list]

    assert names(category__id__exact=candles.pk) == ["Night Candle"]
    assert names(moods__id__exact=sleep.pk) == ["Night Candle"]
    assert names(scent_family__exact="citrus") == ["Morning Oil"]


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ("deactivate", "is_active", False),
        ("activate", "is_active", True),
        ("feature", "is_featured", True),
    ],
)
def test_bulk_actions_change_only_the_selected_products(admin_client, action, field, value):
    chosen = [ProductFactory(is_active=not value, is_featured=not value) for _ in range(2)]
    other = ProductFactory(is_active=not value, is_featured=not value)

    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [p.pk for p in chosen]},
        follow=True,
    )

    assert "2 products" in response.content.decode()
    assert all(getattr(Product.objects.get(pk=p.pk), field) is value for p in chosen)
    assert getattr(Product.objects.get(pk=other.pk), field) is (not value)


def test_adding_a_product_with_an_uploaded_picture_makes_a_thumbnail(admin_client):
    category = CategoryFactory(name="Essential oils")
    lavender = NoteFactory(name="Lavender")
    upload = SimpleUploadedFile("lavender.jpg", image_bytes((1200, 900)), "image/jpeg")
    data = _product_form(
        category,
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": upload,
            "images-0-alt_text": "A bottle of lavender oil",
            "images-0-position": "0",
            "product_notes-TOTAL_FORMS": "1",
            "product_notes-0-note": lavender.pk,
            "product_notes-0-position": "top",
        },
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, response.context["errors"]
    product = Product.objects.get(sku="EO-LAV-10")
    assert product.price == 1250 and product.stock_quantity == 20
    image = product.images.get()
    assert image.alt_text == "A bottle of lavender oil"
    assert image.thumbnail.name.endswith("-thumb.webp")
    with image.thumbnail.open("rb") as fh:
        assert Image.open(io.BytesIO(fh.read())).size == (480, 480)
    assert [pn.note.name for pn in product.product_notes.all()] == ["Lavender"]


def test_a_file_that_is_not_a_picture_shows_an_error_instead_of_saving(admin_client):
    category = CategoryFactory()
    data = _product_form(
        category,
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg"),
            "images-0-alt_text": "x",
            "images-0-position": "0",
        },
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not Product.objects.exists()
    assert not ProductImage.objects.exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_too_large_picture_is_refused_with_the_limit_named(admin_client):
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")
    data = _product_form(
        CategoryFactory(),
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": SimpleUploadedFile("huge.png", out.getvalue(), "image/png"),
            "images-0-alt_text": "x",
            "images-0-position": "0",
        },
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert "12000 x 12000 pixels" in response.content.decode()
    assert not Product.objects.exists()


def test_replacing_a_picture_in_the_inline_regenerates_its_thumbnail(admin_client):
    product = ProductFactory()
    image = ProductImageFactory(product=product, image=image_bytes((300, 300), "#ff0000"))
    old_thumb = image.thumbnail.name
    data = _product_form(
        product.category,
        name=product.name,
        slug=product.slug,
        sku=product.sku,
        stock_quantity=str(product.stock_quantity),
        **{
            "initial-stock_quantity": str(product.stock_quantity),
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "1",
            "images-0-id": image.pk,
            "images-0-product": product.pk,
            "images-0-image": SimpleUploadedFile(
                "blue.png", image_bytes((900, 600), "#0000ff", "PNG")
            ),
            "images-0-alt_text": "Now in blue",
            "images-0-position": "0",
        },
    )

    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt_text == "Now in blue" and (image.width, image.height) == (900, 600)
    assert image.thumbnail.name != old_thumb
    with image.thumbnail.open("rb") as fh:
        assert Image.open(io.BytesIO(fh.read())).convert("RGB").getpixel((240, 240))[2] > 200


@pytest.mark.parametrize(
    ("price", "compare_at", "message"),
    [
        ("twelve", "", "Enter an amount like 12.50"),
        ("12.505", "", "at most 2 decimals"),
        ("12.50", "10.00", "must be higher than the price"),
    ],
)
def test_prices_are_typed_in_dollars_with_clear_errors(admin_client, price, compare_at, message):
    data = _product_form(CategoryFactory(), price=price, compare_at_price=compare_at)

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.exists()


def test_the_change_form_shows_the_price_in_dollars(admin_client):
    product = ProductFactory(price=1999, compare_at_price=2500)
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk])).content
    assert b'value="19.99"' in page and b'value="25.00"' in page


def _changelist_stock_post(product: Product, *, shown: int, typed: int) -> dict:
    return {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": product.pk,
        "form-0-stock_quantity": str(typed),
        "initial-form-0-stock_quantity": str(shown),
        "form-0-is_active": "on",
        "_save": "Save",
    }


def test_stock_can_be_edited_in_the_list(admin_client):
    product = ProductFactory(stock_quantity=3)

    response = admin_client.post(CHANGELIST, _changelist_stock_post(product, shown=3, typed=40))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock_quantity == 40


def test_saving_the_list_does_not_undo_a_sale_made_meanwhile(admin_client):
    # given the owner opened the list when 5 were in stock, then a shopper bought 2
    product = ProductFactory(stock_quantity=5, is_active=False)
    adjust_stock(product=product, delta=-2)

    # when the owner saves the list having only ticked "active"
    admin_client.post(CHANGELIST, _changelist_stock_post(product, shown=5, typed=5))

    # then the sale stands
    product.refresh_from_db()
    assert product.is_active is True
    assert product.stock_quantity == 3


def test_the_list_costs_the_same_queries_for_3_or_60_products(admin_client):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    moods = [MoodFactory(name="Calm"), MoodFactory(name="Sleep")]
    for i in range(3):
        product = ProductFactory(category=CategoryFactory(name=f"Cat {i}"), moods=moods)
        ProductImageFactory(product=product)
    few = queries_for_list()
    for i in range(57):
        product = ProductFactory(category=CategoryFactory(name=f"Cat {i % 6}"), moods=moods)
        ProductImageFactory(product=product, image=image_bytes((40, 40)))
    many = queries_for_list()

    assert many == few
    assert many <= 12


@pytest.mark.parametrize("name", ["category", "mood", "note"])
def test_the_other_catalogue_screens_open(admin_client, name):
    CategoryFactory(name="Candles")
    MoodFactory(name="Calm")
    NoteFactory(name="Vetiver")
    assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 200


def test_the_note_autocomplete_used_by_the_product_form_answers(admin_client):
    NoteFactory(name="Vetiver")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "vet", "app_label": "catalog", "model_name": "productnote", "field_name": "note"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Vetiver"]
