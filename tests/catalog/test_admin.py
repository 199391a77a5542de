import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from scent.catalog import inventory
from scent.catalog.models import Product, ProductImage, ProductVariant, StockReason
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    ProductImageFactory,
    image_bytes,
    variant_of,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")
ADD = reverse("admin:catalog_product_add")


def _size_rows(*sizes: dict, initial: int = 0) -> dict:
    """The sizes inline as posted: `sizes` are {field: value} with the form's names."""
    data = {
        "variants-TOTAL_FORMS": str(len(sizes)),
        "variants-INITIAL_FORMS": str(initial),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for i, size in enumerate(sizes):
        row = {
            "label": "",
            "sku": "",
            "price": "",
            "compare_at_price": "",
            "stock_quantity": "0",
            "initial-stock_quantity": "0",
            "weight_grams": "0",
            "position": str(i),
            "is_active": "on",
            **size,
        }
        for name, value in row.items():
            if name.startswith("initial-"):
                data[f"initial-variants-{i}-{name.removeprefix('initial-')}"] = value
            elif value is not None:
                data[f"variants-{i}-{name}"] = value
    return data


TEN_ML = {"label": "10 ml", "sku": "EO-LAV-10", "price": "12.50", "stock_quantity": "20"}


def _product_form(category, *sizes: dict, initial_sizes: int = 0, **overrides) -> dict:
    """What the add form posts when a shop owner fills it in: one size, empty inlines."""
    data = {
        "name": "Lavender Fields",
        "slug": "lavender-fields",
        "category": category.pk,
        "is_active": "on",
        "short_description": "Calm in a bottle.",
        "description": "Steam-distilled lavender from Provence.",
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
        **_size_rows(*(sizes or (TEN_ML,)), initial=initial_sizes),
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


def test_search_finds_products_by_a_sizes_sku_name_and_description(admin_client):
    ProductFactory(name="Neroli Glow", sku="EO-NER-10", description="Orange blossom.")
    ProductFactory(name="Cedar Candle", sku="CA-CED-200", description="Smoky woods.")

    def names(q: str) -> list[str]:
        response = admin_client.get(CHANGELIST, {"q": q})
        return [p.name for p in response.context["cl"].result_list]

    assert names("eo-ner-10") == ["Neroli Glow"]  # a whole SKU, any case
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
    product = Product.objects.get(slug="lavender-fields")
    size = variant_of(product)
    assert (size.sku, size.label, size.price, size.stock_quantity) == (
        "EO-LAV-10",
        "10 ml",
        1250,
        20,
    )
    assert product.price == 1250 and product.in_stock
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
        _existing(variant_of(product)),
        initial_sizes=1,
        name=product.name,
        slug=product.slug,
        **{
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


def _existing(size: ProductVariant, **changes) -> dict:
    """An existing size's row as the change form shows it, with `changes` typed over."""
    shown = {
        "id": str(size.pk),
        "product": str(size.product_id),
        "label": size.label,
        "sku": size.sku,
        "price": f"{size.price / 100:.2f}",
        "compare_at_price": ""
        if size.compare_at_price is None
        else f"{size.compare_at_price / 100:.2f}",
        "stock_quantity": str(size.stock_quantity),
        "initial-stock_quantity": str(size.stock_quantity),
        "weight_grams": str(size.weight_grams),
        "position": str(size.position),
        "is_active": "on" if size.is_active else None,
    }
    return {**shown, **changes}


def _change(product: Product) -> str:
    return reverse("admin:catalog_product_change", args=[product.pk])


def _edit_product_sizes(admin_client, product: Product, *rows: dict):
    """Post the product's change form as shown, with the sizes inline given as `rows`."""
    initial = product.variants.count()
    data = _product_form(
        product.category, *rows, initial_sizes=initial, name=product.name, slug=product.slug
    )
    return admin_client.post(_change(product), data)


@pytest.mark.parametrize(
    ("price", "compare_at", "message"),
    [
        ("twelve", "", "Enter an amount like 12.50"),
        ("12.505", "", "Use at most 2 decimals"),
        ("12.50", "10.00", "must be higher than the price"),
    ],
)
def test_size_prices_are_typed_in_dollars_with_clear_errors(
    admin_client, price, compare_at, message
):
    data = _product_form(
        CategoryFactory(), {**TEN_ML, "price": price, "compare_at_price": compare_at}
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.exists()


def test_the_change_form_shows_each_sizes_price_in_dollars(admin_client):
    product = ProductFactory(price=1999, compare_at_price=2500)
    page = admin_client.get(_change(product)).content
    assert b'value="19.99"' in page and b'value="25.00"' in page


def test_adding_a_product_with_three_sizes_shows_it_from_the_cheapest(admin_client):
    # given the owner fills in three sizes, the smallest listed last
    data = _product_form(
        CategoryFactory(),
        {**TEN_ML, "position": "1"},
        {"label": "30 ml", "sku": "EO-LAV-30", "price": "29.00", "stock_quantity": "4"},
        {"label": "5 ml", "sku": "EO-LAV-5", "price": "6.50", "position": "0"},
    )

    response = admin_client.post(ADD, data)

    # then the product has them in their order, shown "from" the cheapest in stock
    assert response.status_code == 302, response.context["errors"]
    product = Product.objects.get(slug="lavender-fields")
    assert [v.label for v in product.variants.order_by("position")] == ["5 ml", "10 ml", "30 ml"]
    assert (product.price, product.price_max, product.variant_count) == (1250, 2900, 3)
    # and the stock they came with is on record as the opening movement of each size
    opening = inventory.StockMovement.objects.values_list("variant__sku", "delta", "reason")
    assert sorted(opening) == [("EO-LAV-10", 20, "manual"), ("EO-LAV-30", 4, "manual")]
    listing = admin_client.get(CHANGELIST).content.decode()
    assert "from $12.50" in listing
    assert "5 ml: 0, 10 ml: 20, 30 ml: 4" in listing


def test_a_product_needs_at_least_one_size(admin_client):
    data = _product_form(CategoryFactory(), {"label": "", "sku": "", "price": ""})
    data["variants-0-stock_quantity"] = "0"

    response = admin_client.post(ADD, {**data, **_size_rows()})

    assert response.status_code == 200
    assert "A product needs at least one size" in response.content.decode()
    assert not Product.objects.exists()


def test_an_sku_already_used_by_another_product_is_a_clear_error(admin_client):
    ProductFactory(name="Old Lavender", sku="EO-LAV-10")

    response = admin_client.post(ADD, _product_form(CategoryFactory(), TEN_ML))

    assert response.status_code == 200
    assert "Size with this SKU already exists." in response.content.decode()
    assert Product.objects.count() == 1


def test_two_new_sizes_with_one_sku_are_a_clear_error(admin_client):
    response = admin_client.post(
        ADD, _product_form(CategoryFactory(), TEN_ML, {**TEN_ML, "label": "30 ml"})
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data for sku" in response.content.decode()
    assert not ProductVariant.objects.exists()


def test_a_stock_count_on_the_product_page_is_a_movement_by_the_owner(admin_client, admin_user):
    product = ProductFactory(sku="EO-LAV-10", stock_quantity=3)
    size = variant_of(product)

    response = _edit_product_sizes(admin_client, product, _existing(size, stock_quantity="12"))

    assert response.status_code == 302, response.context["errors"]
    move = size.stock_movements.get()
    assert (move.delta, move.quantity_after, move.reason, move.actor) == (
        9,
        12,
        StockReason.MANUAL,
        admin_user,
    )


def test_saving_the_product_page_does_not_undo_a_sale_made_meanwhile(admin_client):
    # given the owner opened the page with 5 in stock, then a shopper bought 2
    product = ProductFactory(stock_quantity=5)
    size = variant_of(product)
    shown = _existing(size)
    inventory.adjust_stock(variant=size, delta=-2, reason=StockReason.ORDER)

    # when the owner saves having changed only the size's weight
    response = _edit_product_sizes(admin_client, product, {**shown, "weight_grams": "45"})

    # then the weight is saved and the sale stands
    assert response.status_code == 302, response.context["errors"]
    size.refresh_from_db()
    assert (size.weight_grams, size.stock_quantity) == (45, 3)


def test_switching_a_size_off_and_deleting_another_update_what_the_shop_shows(admin_client):
    product = ProductFactory(
        variants=[
            {"label": "5 ml", "sku": "EO-LAV-5", "price": 650},
            {"label": "10 ml", "sku": "EO-LAV-10", "price": 1250},
            {"label": "30 ml", "sku": "EO-LAV-30", "price": 2900},
        ]
    )
    five, ten, thirty = product.variants.order_by("position")

    response = _edit_product_sizes(
        admin_client,
        product,
        _existing(five, is_active=None),
        _existing(ten),
        _existing(thirty, DELETE="on"),
    )

    assert response.status_code == 302, response.context["errors"]
    product.refresh_from_db()
    assert (product.price, product.price_max, product.variant_count) == (1250, 1250, 1)
    assert not ProductVariant.objects.filter(sku="EO-LAV-30").exists()
    assert ProductVariant.objects.get(sku="EO-LAV-5").is_active is False


# --- every size on one list -----------------------------------------------------------

SIZES = reverse("admin:catalog_productvariant_changelist")


def _size_list_post(size: ProductVariant, *, shown: int, typed: int, active: bool = True) -> dict:
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": size.pk,
        "form-0-stock_quantity": str(typed),
        "initial-form-0-stock_quantity": str(shown),
        "_save": "Save",
    }
    if active:
        data["form-0-is_active"] = "on"
    return data


def test_stock_can_be_counted_per_size_in_the_size_list(admin_client, admin_user):
    product = ProductFactory(sku="EO-LAV-10", stock_quantity=0)
    size = variant_of(product)

    response = admin_client.post(SIZES, _size_list_post(size, shown=0, typed=40))

    assert response.status_code == 302
    size.refresh_from_db()
    assert size.stock_quantity == 40
    assert size.stock_movements.get().actor == admin_user
    product.refresh_from_db()
    assert product.in_stock


def test_saving_the_size_list_does_not_undo_a_sale_made_meanwhile(admin_client):
    # given the owner opened the list when 5 were in stock, then a shopper bought 2
    product = ProductFactory(stock_quantity=5, size="10 ml")
    size = variant_of(product)
    ProductVariant.objects.filter(pk=size.pk).update(is_active=False)
    inventory.adjust_stock(variant=size, delta=-2, reason=StockReason.ORDER)

    # when the owner saves the list having only ticked "active"
    admin_client.post(SIZES, _size_list_post(size, shown=5, typed=5))

    # then the sale stands
    size.refresh_from_db()
    assert (size.is_active, size.stock_quantity) == (True, 3)


def test_the_size_list_finds_sizes_by_sku_and_stock_level(admin_client):
    ProductFactory(
        name="Lavender",
        variants=[
            {"label": "5 ml", "sku": "EO-LAV-5", "stock_quantity": 0},
            {"label": "10 ml", "sku": "EO-LAV-10", "stock_quantity": 2},
            {"label": "30 ml", "sku": "EO-LAV-30", "stock_quantity": 50},
        ],
    )

    def skus(**params) -> list[str]:
        return [v.sku for v in admin_client.get(SIZES, params).context["cl"].result_list]

    assert skus(q="EO-LAV-10") == ["EO-LAV-10"]
    assert skus(stock="out") == ["EO-LAV-5"]
    assert skus(stock="low") == ["EO-LAV-10"]
    assert skus(stock="in") == ["EO-LAV-30"]


def test_the_size_list_costs_the_same_queries_for_3_or_60_sizes(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(SIZES).status_code == 200
        return len(ctx.captured_queries)

    ProductFactory(variants=[{}, {}, {}])
    few = queries()
    for _ in range(19):
        ProductFactory(variants=[{}, {}, {}])
    assert queries() == few


def test_the_stock_ledger_lists_every_movement_and_cannot_be_edited(admin_client):
    product = ProductFactory(name="Lavender", sku="EO-LAV-10", size="10 ml", stock_quantity=5)
    size = variant_of(product)
    inventory.adjust_stock(variant=size, delta=-2, reason=StockReason.ORDER, reference="SC-000042")
    move = size.stock_movements.get()
    ledger = reverse("admin:catalog_stockmovement_changelist")

    page = admin_client.get(ledger, {"variant__id__exact": size.pk}).content.decode()

    assert "EO-LAV-10" in page and "Lavender (10 ml)" in page and "SC-000042" in page
    assert "-2" in page
    assert admin_client.get(reverse("admin:catalog_stockmovement_add")).status_code == 403
    view = admin_client.get(reverse("admin:catalog_stockmovement_change", args=[move.pk]))
    assert view.status_code == 200 and b'name="_save"' not in view.content
    assert (
        admin_client.post(
            reverse("admin:catalog_stockmovement_delete", args=[move.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert size.stock_movements.count() == 1


# --- "Add sizes" ------------------------------------------------------------------


def _add_sizes(admin_client, products, text: str | None):
    data = {"action": "add_sizes", "_selected_action": [p.pk for p in products]}
    if text is not None:
        data |= {"apply": "1", "sizes": text}
    return admin_client.post(CHANGELIST, data, follow=True)


def test_add_sizes_asks_for_the_list_first(admin_client):
    product = ProductFactory(name="Lavender", size="10 ml")

    response = _add_sizes(admin_client, [product], None)

    page = response.content.decode()
    assert "Sizes, each as “label: price”" in page and "Lavender (now: 10 ml)" in page
    assert product.variants.count() == 1


def test_add_sizes_gives_each_selected_product_the_sizes_it_lacks(admin_client):
    # given lavender in 10 ml and tea tree in 10 ml and 30 ml
    lavender = ProductFactory(name="Lavender", sku="EO-LAV-10", size="10 ml", price=1250)
    tea_tree = ProductFactory(
        name="Tea Tree",
        variants=[
            {"label": "10 ml", "sku": "EO-TEA-10", "price": 990},
            {"label": "30 ml", "sku": "EO-TEA-30", "price": 2200},
        ],
    )

    # when the owner adds 5 ml and 30 ml to both
    response = _add_sizes(admin_client, [lavender, tea_tree], "5 ml: 6.50, 30 ml: 22.00")

    # then lavender gets both (after its 10 ml), tea tree only the 5 ml
    page = response.content.decode()
    assert "3 sizes added to 2 products." in page
    assert "Tea Tree already had 30 ml: left as it was." in page
    rows = ProductVariant.objects.filter(product=lavender).order_by("position")
    assert [(v.label, v.sku, v.price, v.stock_quantity) for v in rows] == [
        ("10 ml", "EO-LAV-10", 1250, 10),
        ("5 ml", "EO-LAV-5ML", 650, 0),
        ("30 ml", "EO-LAV-30ML", 2200, 0),
    ]
    assert ProductVariant.objects.get(product=tea_tree, label="5 ml").sku == "EO-TEA-5ML"
    lavender.refresh_from_db()
    assert (lavender.price, lavender.price_max, lavender.variant_count) == (1250, 2200, 3)


def test_a_size_list_with_mistakes_is_shown_again_with_every_problem(admin_client):
    product = ProductFactory(name="Lavender")

    response = _add_sizes(admin_client, [product], "5 ml 6.50, 10 ml: ten, 30 ml: 22.005")

    page = response.content.decode()
    assert "“5 ml 6.50”: write each size as “label: price”" in page
    assert "“10 ml: ten”: Enter an amount like 12.50" in page
    assert "“30 ml: 22.005”: Use at most 2 decimals" in page
    assert "5 ml 6.50, 10 ml: ten, 30 ml: 22.005</textarea>" in page
    assert product.variants.count() == 1


def test_add_sizes_refuses_the_whole_list_when_an_sku_is_taken(admin_client):
    lavender = ProductFactory(name="Lavender", sku="EO-LAV-10")
    ProductFactory(name="Lavender sample", sku="EO-LAV-5ML")

    response = _add_sizes(admin_client, [lavender], "5 ml: 6.50, 30 ml: 22.00")

    assert "SKU EO-LAV-5ML already belongs to another size" in response.content.decode()
    assert lavender.variants.count() == 1


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
        product = ProductFactory(
            category=CategoryFactory(name=f"Cat {i % 6}"), moods=moods, variants=[{}, {}, {}]
        )
        ProductImageFactory(product=product, image=image_bytes((40, 40)))
    many = queries_for_list()

    assert many == few
    assert many <= 12


@pytest.mark.parametrize("name", ["category", "mood", "note", "productvariant", "stockmovement"])
def test_the_other_catalogue_screens_open(admin_client, name):
    CategoryFactory(name="Candles")
    MoodFactory(name="Calm")
    NoteFactory(name="Vetiver")
    assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    if name in {"category", "mood", "note"}:  # sizes are added on products; movements by stock
        assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 200


def test_the_note_autocomplete_used_by_the_product_form_answers(admin_client):
    NoteFactory(name="Vetiver")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "vet", "app_label": "catalog", "model_name": "productnote", "field_name": "note"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Vetiver"]


def test_a_products_only_size_may_go_without_a_label_but_two_sizes_need_names(admin_client):
    # a product with nothing to choose between needs no size name
    data = _product_form(CategoryFactory(), {**TEN_ML, "label": ""})
    assert admin_client.post(ADD, data).status_code == 302
    assert variant_of(Product.objects.get()).label == ""

    # once there are two sizes, each needs one
    product = Product.objects.get()
    response = _edit_product_sizes(
        admin_client,
        product,
        _existing(variant_of(product)),
        {"label": "30 ml", "sku": "EO-LAV-30", "price": "29.00"},
    )
    assert response.status_code == 200
    assert "Name each size (e.g. 10 ml) when there is more than one." in response.content.decode()
    assert product.variants.count() == 1
