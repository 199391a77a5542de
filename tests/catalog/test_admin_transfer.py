"""The product list's "Export CSV" and "Import CSV" pages in the admin."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scent.catalog import admin_transfer
from scent.catalog.models import ProductVariant, StockMovement
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")
EXPORT = reverse("admin:catalog_product_export")
IMPORT = reverse("admin:catalog_product_import")


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def owner(client):
    user = staff("view_product", "add_product", "change_product")
    client.force_login(user)
    return user


@pytest.fixture
def bergamot():
    return ProductFactory(
        name="Bergamot Bright", slug="bergamot-bright", sku="EO-BER-10", price=1250
    )


def upload(text: str, name: str = "catalogue.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


PRICE_CHANGE = "product_slug,sku,price,stock\nbergamot-bright,EO-BER-10,14.00,25\n"


def test_the_product_list_links_to_import_and_export(client, owner):
    page = client.get(CHANGELIST).text

    assert f'href="{IMPORT}"' in page and f'href="{EXPORT}"' in page


def test_export_downloads_every_size_as_a_csv_file(client, owner, bergamot):
    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="catalogue-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["sku"], r["price"], r["product_name"]) for r in rows] == [
        ("EO-BER-10", "12.50", "Bergamot Bright")
    ]


def test_uploading_shows_a_preview_and_writes_nothing_until_confirmed(client, owner, bergamot):
    preview = client.post(IMPORT, {"file": upload(PRICE_CHANGE, "prices.csv")})

    assert preview.status_code == 200
    assert "Preview of prices.csv (nothing written yet)" in preview.text
    assert "line 2, EO-BER-10: price 12.50 → 14.00, stock 10 → 25" in preview.text
    report = preview.context["report"]
    assert report.sizes == {"updated": 1} and report.products == {"unchanged": 1}
    assert ProductVariant.objects.get(sku="EO-BER-10").price == 1250
    assert 'value="Import now"' in preview.text

    done = client.post(IMPORT, {"token": preview.context["token"]})

    assert done.status_code == 302 and done["Location"] == CHANGELIST
    assert notices(done) == [
        "Imported 1 row of prices.csv: products: 0 created, 0 updated, 1 unchanged; "
        "sizes: 0 created, 1 updated, 0 unchanged; stock changed on 1 size(s)."
    ]
    size = ProductVariant.objects.get(sku="EO-BER-10")
    assert (size.price, size.stock_quantity) == (1400, 25)
    movement = StockMovement.objects.get()
    assert (movement.reason, movement.reference, movement.actor) == (
        "import",
        "import prices.csv",
        owner,
    )


def test_a_file_with_errors_lists_them_and_offers_no_import(client, owner, bergamot):
    bad = "product_slug,sku,price,stock\nbergamot-bright,EO-BER-10,abc,-2\n"

    response = client.post(IMPORT, {"file": upload(bad)})

    assert response.status_code == 200
    assert "line 2, price: &#x27;abc&#x27; is not an amount" in response.text
    assert "line 2, stock: -2 is negative; it cannot be below 0" in response.text
    assert "Nothing was imported" in response.text
    assert 'value="Import now"' not in response.text


def test_a_file_that_changes_nothing_says_so(client, owner, bergamot):
    export = b"".join(client.get(EXPORT).streaming_content).decode("utf-8-sig")

    response = client.post(IMPORT, {"file": upload(export)})

    assert "The file matches the catalogue: there is nothing to import." in response.text
    assert 'value="Import now"' not in response.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("catalogue.xlsx", b"PK\x03\x04...", "This is a spreadsheet, not a CSV file"),
        ("catalogue.pdf", b"%PDF-1.7", "A .pdf file is not a CSV file"),
        ("catalogue.csv", b"", "The file is empty"),
        ("catalogue.csv", "product_slug,sku,price\nrose,É,1\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_not_an_error_page(client, owner, name, content, message):
    response = client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert message in response.text
    assert response.context["report"] is None


def test_a_file_over_the_limit_is_refused(client, owner, monkeypatch):
    monkeypatch.setattr(admin_transfer, "MAX_UPLOAD_BYTES", 1024 * 1024)
    big = "product_slug,sku,price\n" + "bergamot-bright,EO-BER-10,1.00\n" * 40_000

    response = client.post(IMPORT, {"file": upload(big)})

    assert response.status_code == 200
    assert "the limit is 1 MB. Split it into several files." in response.text


def test_no_file_chosen_asks_for_one(client, owner):
    response = client.post(IMPORT, {})

    assert "Choose a CSV file to import." in response.text


def test_a_tampered_or_foreign_preview_cannot_be_imported(client, owner, bergamot):
    token = client.post(IMPORT, {"file": upload(PRICE_CHANGE)}).context["token"]
    client.force_login(staff("add_product", "change_product"))

    foreign = client.post(IMPORT, {"token": token})
    tampered = client.post(IMPORT, {"token": token[:-4] + "abcd"})

    assert "This preview belongs to someone else" in foreign.text
    assert "The preview could not be read" in tampered.text
    assert ProductVariant.objects.get(sku="EO-BER-10").price == 1250


@pytest.mark.parametrize("codenames", [("view_product",), ("view_product", "change_product")])
def test_staff_who_may_not_create_and_change_products_cannot_import(client, codenames):
    client.force_login(staff(*codenames))

    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": upload(PRICE_CHANGE)}).status_code == 403
    assert IMPORT not in client.get(CHANGELIST).text


def test_staff_who_may_only_view_products_can_export(client, bergamot):
    client.force_login(staff("view_product"))

    assert EXPORT in client.get(CHANGELIST).text
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert "EO-BER-10" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_staff_who_may_not_see_products_cannot_export(client):
    client.force_login(staff("view_order"))

    assert client.get(EXPORT).status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(EXPORT)

    assert response.status_code == 302 and "/login/" in response["Location"]
