"""The catalogue as CSV: export it, edit it in a spreadsheet, import it back."""

from __future__ import annotations

import csv
import io

import pytest

from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from scent.catalog.transfer import COLUMNS, export_catalogue, import_catalogue
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def exported() -> str:
    out = io.StringIO(newline="")
    export_catalogue(out)
    return out.getvalue()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_file(rows: list[dict], columns=None, name: str = "catalogue.csv") -> io.BytesIO:
    """A CSV upload as a spreadsheet saves it: a header row, then the rows."""
    columns = columns or list(rows[0])
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    data = io.BytesIO(out.getvalue().encode())
    data.name = name
    return data


def edited(text: str, sku: str, **changes) -> io.BytesIO:
    """The exported file with one size's row changed, as a shop owner would edit it."""
    rows = rows_of(text)
    for row in rows:
        if row["sku"] == sku:
            row.update(changes)
    return csv_file(rows, columns=list(COLUMNS))


def size(sku: str) -> ProductVariant:
    return ProductVariant.objects.select_related("product").get(sku=sku)


def errors_of(report) -> list[str]:
    return [str(e) for e in report.errors]


@pytest.fixture
def lavender():
    return ProductFactory(
        name="Lavender Fields",
        slug="lavender-fields",
        category=CategoryFactory(name="Essential oils", slug="essential-oils"),
        description='Steam-distilled in Provence.\nKeep away from "light", and children.',
        variants=[
            {"label": "10 ml", "sku": "EO-LAV-10", "price": 1250, "stock_quantity": 20},
            {
                "label": "30 ml",
                "sku": "EO-LAV-30",
                "price": 2900,
                "compare_at_price": 3400,
                "stock_quantity": 0,
                "weight_grams": 120,
            },
        ],
    )


# --- export ---------------------------------------------------------------------


def test_export_writes_one_row_per_size_with_amounts_as_a_spreadsheet_shows_them(lavender):
    rows = rows_of(exported())

    assert [r["sku"] for r in rows] == ["EO-LAV-10", "EO-LAV-30"]
    small, large = rows
    assert small["product_slug"] == "lavender-fields"
    assert small["product_name"] == "Lavender Fields"
    assert small["category"] == "essential-oils"
    assert small["price"] == "12.50" and small["compare_at_price"] == ""
    assert large["price"] == "29.00" and large["compare_at_price"] == "34.00"
    assert small["stock"] == "20" and large["stock"] == "0"
    assert large["weight_grams"] == "120"
    assert small["size_active"] == "yes" and small["product_active"] == "yes"
    assert small["description"] == lavender.description


def test_export_then_import_of_the_same_file_changes_nothing(lavender):
    ProductFactory(name="Cedar Candle", sku="CA-CED-200", price=1800, stock_quantity=3)
    ProductVariant.objects.filter(sku="EO-LAV-30").update(is_active=False, label=" 30 ml ")
    before = list(Product.objects.order_by("pk").values_list("pk", "updated_at"))

    report = import_catalogue(csv_file(rows_of(exported()), columns=list(COLUMNS)), dry_run=False)

    assert report.ok, errors_of(report)
    assert report.products == {"unchanged": 2}
    assert report.sizes == {"unchanged": 3}
    assert report.stock_changes == 0 and report.changes == []
    assert not StockMovement.objects.exists()
    assert list(Product.objects.order_by("pk").values_list("pk", "updated_at")) == before


# --- import: creating and updating ----------------------------------------------


def test_import_creates_a_new_product_with_its_sizes_and_opening_stock():
    CategoryFactory(name="Candles", slug="candles")
    upload = csv_file(
        [
            {
                "product_slug": "rose-candle",
                "product_name": "Rose Candle",
                "category": "candles",
                "size_label": "Small",
                "sku": "CA-ROSE-S",
                "price": "18",
                "stock": "5",
                "short_description": "Rose and oud.",
            },
            {
                "product_slug": "rose-candle",
                "product_name": "",
                "category": "",
                "size_label": "Large",
                "sku": "CA-ROSE-L",
                "price": "32.50",
                "stock": "0",
                "short_description": "",
            },
        ],
        name="new-candles.csv",
    )

    report = import_catalogue(upload, dry_run=False)

    assert report.ok, errors_of(report)
    assert report.products["created"] == 1 and report.sizes["created"] == 2
    product = Product.objects.get(slug="rose-candle")
    assert product.name == "Rose Candle" and product.category.slug == "candles"
    assert product.short_description == "Rose and oud." and product.is_active
    sizes = list(product.variants.order_by("position"))
    assert [(s.label, s.price, s.stock_quantity, s.position) for s in sizes] == [
        ("Small", 1800, 5, 0),
        ("Large", 3250, 0, 1),
    ]
    assert (product.price, product.price_max, product.in_stock) == (1800, 3250, True)
    movement = StockMovement.objects.get()
    assert (movement.variant.sku, movement.delta, movement.reason, movement.reference) == (
        "CA-ROSE-S",
        5,
        StockReason.IMPORT,
        "import new-candles.csv",
    )


def test_import_updates_price_and_stock_by_sku_through_the_stock_history(lavender):
    owner = UserFactory(is_staff=True)
    upload = edited(exported(), "EO-LAV-10", price="9.90", stock="12")

    report = import_catalogue(upload, dry_run=False, actor=owner)

    assert report.ok, errors_of(report)
    assert report.sizes == {"updated": 1, "unchanged": 1}
    assert report.products == {"unchanged": 1}
    assert report.stock_changes == 1
    assert report.changes == ["line 2, EO-LAV-10: price 12.50 → 9.90, stock 20 → 12"]
    small = size("EO-LAV-10")
    assert (small.price, small.stock_quantity) == (990, 12)
    movement = StockMovement.objects.get(variant=small)
    assert (movement.delta, movement.quantity_after, movement.reason) == (-8, 12, "import")
    assert movement.reference == "import catalogue.csv" and movement.actor == owner
    lavender.refresh_from_db()
    assert lavender.price == 990  # the list shows the new cheapest price


def test_import_changes_product_fields_and_can_hide_a_size(lavender):
    oils = CategoryFactory(name="Oils", slug="oils")
    rows = rows_of(exported())
    for row in rows:
        row.update(product_name="Lavender of Provence", category="oils", product_active="no")
    rows[1]["size_active"] = "no"

    report = import_catalogue(csv_file(rows), dry_run=False)

    assert report.ok, errors_of(report)
    assert report.products == {"updated": 1}
    lavender.refresh_from_db()
    assert lavender.name == "Lavender of Provence"
    assert lavender.category == oils and not lavender.is_active
    assert not size("EO-LAV-30").is_active
    assert lavender.variant_count == 1  # the summary counts the sizes still sold


def test_a_new_sku_adds_a_size_after_the_others_and_sizes_not_in_the_file_stay(lavender):
    upload = csv_file(
        [
            {
                "product_slug": "lavender-fields",
                "sku": "EO-LAV-100",
                "size_label": "100 ml",
                "price": "69.00",
                "stock": "4",
            }
        ]
    )

    report = import_catalogue(upload, dry_run=False)

    assert report.ok, errors_of(report)
    assert report.sizes == {"created": 1}
    assert [(s.sku, s.position) for s in lavender.variants.order_by("position")] == [
        ("EO-LAV-10", 0),
        ("EO-LAV-30", 1),
        ("EO-LAV-100", 2),
    ]
    assert size("EO-LAV-10").stock_quantity == 20  # not in the file: left alone
    lavender.refresh_from_db()
    assert lavender.price_max == 6900


def test_empty_cells_keep_what_is_stored_but_an_empty_compare_at_price_ends_a_sale(lavender):
    upload = csv_file(
        [
            {
                "product_slug": "lavender-fields",
                "product_name": "",
                "sku": "EO-LAV-30",
                "size_label": "",
                "price": "29.00",
                "compare_at_price": "",
                "stock": "",
                "weight_grams": "",
            }
        ]
    )

    report = import_catalogue(upload, dry_run=False)

    assert report.ok, errors_of(report)
    large = size("EO-LAV-30")
    assert large.compare_at_price is None
    assert (large.label, large.stock_quantity, large.weight_grams) == ("30 ml", 0, 120)
    assert large.product.name == "Lavender Fields"
    assert not StockMovement.objects.exists()


def test_a_semicolon_file_with_a_bom_and_spaced_header_names_is_read(lavender):
    data = "\ufeffProduct Slug;SKU;Price;Stock\r\nlavender-fields;EO-LAV-10;11.00;7\r\n"

    report = import_catalogue(data.encode(), dry_run=False)

    assert report.ok, errors_of(report)
    assert (size("EO-LAV-10").price, size("EO-LAV-10").stock_quantity) == (1100, 7)


# --- dry run --------------------------------------------------------------------


def test_a_dry_run_says_what_would_change_and_writes_nothing(lavender):
    CategoryFactory(slug="candles")
    rows = rows_of(exported())
    rows[0]["price"] = "14.00"
    rows.append(
        {
            **rows[0],
            "product_slug": "new-candle",
            "product_name": "New Candle",
            "category": "candles",
            "sku": "CA-NEW",
            "stock": "3",
        }
    )
    upload = csv_file(rows)

    report = import_catalogue(upload, dry_run=True)

    assert report.ok and report.dry_run
    assert report.products == {"unchanged": 1, "created": 1}
    assert report.sizes == {"updated": 1, "unchanged": 1, "created": 1}
    assert "Dry run, nothing written" in report.summary()
    assert "products: 1 to create, 0 to update, 1 unchanged" in report.summary()
    assert size("EO-LAV-10").price == 1250
    assert not Product.objects.filter(slug="new-candle").exists()
    assert not StockMovement.objects.exists()


# --- errors: every one reported, with its line and column; nothing written --------


def test_every_bad_cell_is_reported_with_its_line_and_column_and_nothing_is_written(lavender):
    rose = ProductFactory(slug="rose-otto", sku="EO-ROSE-5")
    good = {
        "product_slug": "lavender-fields",
        "sku": "EO-LAV-10",
        "size_label": "10 ml",
        "price": "10.00",
        "compare_at_price": "",
        "stock": "20",
        "size_active": "yes",
    }
    rows = [
        good,  # line 2: fine on its own, but the file has errors
        {**good, "sku": "EO-LAV-30", "price": "abc"},  # line 3
        {**good, "sku": "EO-LAV-X1", "stock": "-3"},  # line 4
        {**good, "sku": "EO-LAV-X2", "compare_at_price": "9.00"},  # line 5
        {**good, "sku": "EO-LAV-X3", "size_active": "maybe"},  # line 6
        {**good, "price": "11.00"},  # line 7: EO-LAV-10 again
        {**good, "sku": "EO-ROSE-5"},  # line 8: a size of another product
        {**good, "sku": ""},  # line 9
        {**good, "sku": "EO-LAV-X4", "price": "12,50"},  # line 10
        {**good, "sku": "EO-LAV-X5", "price": "1.005"},  # line 11
        {**good, "sku": "EO-LAV-X6", "stock": "2.5"},  # line 12
        {**good, "sku": "EO-LAV-X7", "size_label": "", "stock": ""},  # line 13
        {**good, "sku": "EO-LAV-X8", "price": ""},  # line 14
    ]

    report = import_catalogue(csv_file(rows), dry_run=False)

    assert errors_of(report) == [
        "line 3, price: 'abc' is not an amount",
        "line 4, stock: -3 is negative; it cannot be below 0",
        "line 5, compare_at_price: 9.00 must be higher than the price (10.00), or left empty",
        "line 6, size_active: 'maybe' is not yes or no",
        "line 7, sku: 'EO-LAV-10' is also on line 2",
        "line 8, sku: 'EO-ROSE-5' is a size of 'rose-otto', not of 'lavender-fields' "
        "(a size cannot move to another product)",
        "line 9, sku: required",
        "line 10, price: '12,50' is not an amount: use a point for decimals and no thousands "
        "separator, e.g. 12.50",
        "line 11, price: 1.005 has more than 2 decimals",
        "line 12, stock: '2.5' is not a whole number",
        "line 13, size_label: required for a new size",
        "line 13, stock: required for a new size",
        "line 14, price: required",
    ]
    assert "nothing was imported" in report.summary()
    assert size("EO-LAV-10").price == 1250  # the good row was not written either
    assert not ProductVariant.objects.filter(sku__startswith="EO-LAV-X").exists()
    assert size("EO-ROSE-5").product == rose
    assert not StockMovement.objects.exists()


def test_a_new_product_needs_a_name_and_an_existing_category():
    CategoryFactory(slug="candles")
    upload = csv_file(
        [
            {
                "product_slug": "no-name",
                "product_name": "",
                "category": "candles",
                "size_label": "S",
                "sku": "A-1",
                "price": "5",
                "stock": "1",
            },
            {
                "product_slug": "bad-cat",
                "product_name": "Bad",
                "category": "soaps",
                "size_label": "S",
                "sku": "B-1",
                "price": "5",
                "stock": "1",
            },
            {
                "product_slug": "Rose Candle",
                "product_name": "Rose",
                "category": "candles",
                "size_label": "S",
                "sku": "C-1",
                "price": "5",
                "stock": "1",
            },
        ]
    )

    report = import_catalogue(upload, dry_run=False)

    assert errors_of(report) == [
        "line 2, product_name: required for a new product ('no-name')",
        "line 3, category: there is no category with the slug 'soaps'",
        "line 4, product_slug: 'Rose Candle' is not a slug (letters, digits, - and _ only, "
        "e.g. 'rose-candle')",
    ]
    assert not Product.objects.exists()


def test_rows_of_one_product_must_not_disagree(lavender):
    rows = rows_of(exported())
    rows[1]["product_name"] = "Lavender Two"

    report = import_catalogue(csv_file(rows), dry_run=False)

    assert errors_of(report) == [  # line 4: the first row's description takes two lines
        "line 4, product_name: 'Lavender Two' differs from line 2 ('Lavender Fields') "
        "for the same product 'lavender-fields'"
    ]


def test_line_numbers_count_the_lines_of_a_description_spread_over_several(lavender):
    rows = rows_of(exported())  # the description has a line break
    rows[1]["stock"] = "lots"

    report = import_catalogue(csv_file(rows), dry_run=True)

    assert errors_of(report) == ["line 4, stock: 'lots' is not a whole number"]


def test_a_price_not_below_the_stored_compare_at_price_is_refused(lavender):
    upload = csv_file([{"product_slug": "lavender-fields", "sku": "EO-LAV-30", "price": "35.00"}])

    report = import_catalogue(upload, dry_run=False)

    assert errors_of(report) == [
        "line 2, price: 35.00 is not below the stored compare-at price 34.00: add a "
        "compare_at_price column with a higher amount or an empty cell"
    ]
    assert size("EO-LAV-30").price == 2900


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "product_slug,sku,price,colour",
            "line 1: unknown column 'colour'; the columns are: " + ", ".join(COLUMNS),
        ),
        ("product_slug,price", "line 1: the column 'sku' is missing (required)"),
        ("product_slug,sku,price,SKU", "line 1: the column 'sku' appears twice"),
    ],
)
def test_the_header_must_name_known_columns_once_and_the_required_ones(header, message):
    report = import_catalogue(f"{header}\nlavender,EO-1,1.00,x\n".encode(), dry_run=False)

    assert errors_of(report) == [message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"product_slug,sku,price\r\n", "The file has a header but no rows"),
        ("product_slug,sku,price\nlavande,EO-É,1\n".encode("latin-1"), "not UTF-8 text"),
        (b"PK\x03\x04 spreadsheet bytes", "This is a spreadsheet"),
    ],
)
def test_a_file_that_is_not_a_utf8_csv_gets_a_clear_message(data, message):
    report = import_catalogue(data, dry_run=False)

    assert len(report.errors) == 1 and message in str(report.errors[0])
    assert not report.ok and not ProductVariant.objects.exists()


def test_a_row_with_more_cells_than_the_header_is_refused(lavender):
    data = b"product_slug,sku,price\nlavender-fields,EO-LAV-10,1.00,surprise\n"

    report = import_catalogue(data, dry_run=False)

    assert errors_of(report) == ["line 2: this row has 4 cells but the header has 3 columns"]
