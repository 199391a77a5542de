"""`scent catalog export|import`: the catalogue as CSV from the command line."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from scent.catalog.management.commands.catalog import Command
from scent.catalog.models import ProductVariant, StockMovement
from scent.catalog.transfer import COLUMNS
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def neroli():
    return ProductFactory(
        name="Neroli Glow",
        slug="neroli-glow",
        variants=[
            {"label": "5 ml", "sku": "EO-NER-5", "price": 1900, "stock_quantity": 8},
            {"label": "10 ml", "sku": "EO-NER-10", "price": 3200, "stock_quantity": 2},
        ],
    )


def write_csv(path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_export_prints_the_catalogue_as_csv_on_stdout(neroli):
    out, _ = run("export")

    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["sku"], r["price"], r["stock"]) for r in rows] == [
        ("EO-NER-5", "19.00", "8"),
        ("EO-NER-10", "32.00", "2"),
    ]


def test_export_to_a_file_and_import_it_back_changes_nothing(neroli, tmp_path):
    path = tmp_path / "catalogue.csv"

    out, _ = run("export", "--output", str(path))
    imported, _ = run("import", str(path))

    assert out.strip() == f"Exported 2 size(s) to {path}."
    assert "sizes: 0 created, 0 updated, 2 unchanged" in imported
    assert not StockMovement.objects.exists()


def test_import_updates_sizes_and_prints_the_counts(neroli, tmp_path):
    path = tmp_path / "prices.csv"
    write_csv(
        path,
        [
            {"product_slug": "neroli-glow", "sku": "EO-NER-5", "price": "17.50", "stock": "8"},
            {"product_slug": "neroli-glow", "sku": "EO-NER-10", "price": "32.00", "stock": "5"},
        ],
    )

    out, _ = run("import", str(path))

    assert out.strip() == (
        "Imported 2 rows of prices.csv: products: 0 created, 0 updated, 1 unchanged; "
        "sizes: 0 created, 2 updated, 0 unchanged; stock changed on 1 size(s)."
    )
    assert ProductVariant.objects.get(sku="EO-NER-5").price == 1750
    movement = StockMovement.objects.get()
    assert (movement.variant.sku, movement.reason, movement.reference) == (
        "EO-NER-10",
        "import",
        "import prices.csv",
    )


def test_a_dry_run_prints_what_would_change_and_writes_nothing(neroli, tmp_path):
    path = tmp_path / "prices.csv"
    write_csv(path, [{"product_slug": "neroli-glow", "sku": "EO-NER-5", "price": "15.00"}])

    out, _ = run("import", str(path), "--dry-run")

    assert "Dry run, nothing written" in out
    assert "sizes: 0 to create, 1 to update, 0 unchanged" in out
    assert "line 2, EO-NER-5: price 19.00 → 15.00" in out
    assert ProductVariant.objects.get(sku="EO-NER-5").price == 1900


def test_errors_are_printed_one_per_line_and_nothing_is_imported(neroli, tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(
        path,
        [
            {"product_slug": "neroli-glow", "sku": "EO-NER-5", "price": "abc", "stock": "1"},
            {"product_slug": "neroli-glow", "sku": "EO-NER-10", "price": "30", "stock": "-1"},
        ],
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"2 errors in 2 rows of bad\.csv; nothing was imported"):
        call_command("catalog", "import", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "line 2, price: 'abc' is not an amount",
        "line 3, stock: -1 is negative; it cannot be below 0",
    ]
    assert ProductVariant.objects.get(sku="EO-NER-10").stock_quantity == 2


def test_from_the_shell_a_bad_file_exits_non_zero(neroli, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"product_slug,sku,price\nneroli-glow,EO-NER-5,\n")

    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["scent", "catalog", "import", str(path)])

    assert exit_.value.code == 1
    assert "line 2, price: required" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*nope\.csv: No such file"):
        run("import", str(tmp_path / "nope.csv"))
