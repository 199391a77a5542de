"""The catalogue as a CSV file, one row per size: export it, and import it back.

For shop owners moving from a spreadsheet or another shop. `export_catalogue` writes
every size of every product; `import_catalogue` reads such a file (or one made by
hand), checks every row first and then writes all of it or, at the first doubt,
nothing. `scent catalog export|import` and the product list in the admin call these.

Columns (a header row is required; the order is free; names are matched ignoring case,
spaces and dashes; a column this module does not know is an error):

    product_slug        required. Which product the size belongs to; a new slug makes
                        a new product.
    product_name        the product's name (needed for a new product).
    category            the slug of an existing category (needed for a new product).
    product_active      yes/no: is the product shown in the shop (new: yes).
    size_label          e.g. "10 ml" (needed for a new size).
    sku                 required. The size's stock-keeping unit, unique in the shop:
                        a known SKU updates that size, a new one adds a size.
    price               required. The price in the shop currency, e.g. 12.50.
    compare_at_price    the former price shown struck through, above price; an empty
                        cell means none.
    stock               units on the shelf, a whole number of 0 or more (needed for a
                        new size). It replaces the stored count, as a stock-take does,
                        and is recorded as a stock movement "Catalogue import".
    weight_grams        packed weight for shipping (new: 0).
    position            order of the sizes on the product page, lower first (new: after
                        the product's other sizes).
    size_active         yes/no: is the size sold (new: yes).
    short_description   the product's one-line description.
    description         the product's description.
    ingredients         the product's ingredients.
    how_to_use          how to use the product.
    meta_description    the product's description for search engines.

Rules:
- An empty cell, or a column left out of the file, leaves the stored value alone (a new
  product or size gets the default above). The one exception is compare_at_price, where
  an empty cell means "no compare-at price".
- The product columns repeat on each row of the product's sizes; the rows may leave
  them empty but must not disagree.
- Booleans are yes/no, true/false, y/n, 1/0 or on/off. Amounts use a point for decimals
  and no currency sign or thousands separator (12.50, 1250).
- A size keeps its product: an SKU that belongs to another product is an error.
- Sizes and products that are not in the file are left alone (nothing is deleted).
- The file is UTF-8 text (Excel: "CSV UTF-8"), separated by commas, semicolons or tabs.
- Export, then import of the same file, changes nothing. Because stock replaces the
  stored count, import an exported file soon after exporting it: units sold in between
  would be put back on the shelf.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from scent.catalog import inventory
from scent.catalog.models import Category, Product, ProductVariant, StockReason
from scent.core.money import MAX_AMOUNT, exponent, format_major

# --- the columns ------------------------------------------------------------------

PRODUCT_SLUG = "product_slug"
SKU = "sku"
PRICE = "price"
COMPARE_AT = "compare_at_price"

# column -> model field, in the order the export writes them
PRODUCT_COLUMNS = {
    "product_slug": "slug",
    "product_name": "name",
    "category": "category",
    "product_active": "is_active",
}
SIZE_COLUMNS = {
    "size_label": "label",
    "sku": "sku",
    "price": "price",
    "compare_at_price": "compare_at_price",
    "stock": "stock_quantity",
    "weight_grams": "weight_grams",
    "position": "position",
    "size_active": "is_active",
}
TEXT_COLUMNS = {
    "short_description": "short_description",
    "description": "description",
    "ingredients": "ingredients",
    "how_to_use": "how_to_use",
    "meta_description": "meta_description",
}
COLUMNS: tuple[str, ...] = (*PRODUCT_COLUMNS, *SIZE_COLUMNS, *TEXT_COLUMNS)
# What each column holds, for the command's help and the admin's import page.
COLUMN_HELP: dict[str, str] = {
    "product_slug": "the product's slug (a new slug makes a new product)",
    "product_name": "the product's name (needed for a new product)",
    "category": "the slug of an existing category (needed for a new product)",
    "product_active": "yes/no: the product is shown in the shop (new: yes)",
    "size_label": "e.g. 10 ml (needed for a new size)",
    "sku": "unique in the shop: a known SKU updates that size, a new one adds a size",
    "price": "in the shop currency with a point for decimals, e.g. 12.50",
    "compare_at_price": "the former price, struck through; above price; empty: none",
    "stock": "units counted on the shelf, 0 or more; replaces the stored count (needed for a new size)",
    "weight_grams": "packed weight in grams, for shipping (new: 0)",
    "position": "order of the sizes, lower first (new: after the product's other sizes)",
    "size_active": "yes/no: the size is sold (new: yes)",
    "short_description": "the product's one-line description",
    "description": "the product's description",
    "ingredients": "the product's ingredients",
    "how_to_use": "how to use the product",
    "meta_description": "the product's description for search engines",
}
REQUIRED_COLUMNS: tuple[str, ...] = (PRODUCT_SLUG, SKU, PRICE)
# Product values that repeat on each row of a product (all but the slug itself).
_PRODUCT_VALUE_COLUMNS = ("product_name", "category", "product_active", *TEXT_COLUMNS)
_LONG_TEXT = {"description", "ingredients", "how_to_use"}  # kept as typed, not stripped

_MAX_LENGTHS = {
    "product_slug": 140,
    "product_name": 140,
    "category": 80,
    "size_label": 40,
    "sku": 40,
    "short_description": 255,
    "meta_description": 160,
}
_MAX_INT = MAX_AMOUNT  # 2**31 - 1: PositiveIntegerField on every database
_MAX_POSITION = 32_767  # PositiveSmallIntegerField
_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}
_AMOUNT = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_WHOLE = re.compile(r"\d+", re.ASCII)
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_LOOKUP_CHUNK = 500


class ImportFileError(ValueError):
    """The upload is not a CSV text file we can read; the message is for a shop owner."""


# --- export -------------------------------------------------------------------------


def format_amount(amount: int | None, currency: str) -> str:
    """Minor units as the file writes them: 1250 USD -> "12.50"; None -> ""."""
    return "" if amount is None else format_major(amount, currency)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def export_rows() -> Iterator[list[str]]:
    """The header, then one row per size of every product (by product name, then position)."""
    yield list(COLUMNS)
    sizes = (
        ProductVariant.objects.select_related("product__category")
        .order_by("product__name", "product_id", "position", "id")
        .iterator(chunk_size=2000)
    )
    for size in sizes:
        product = size.product
        yield [
            product.slug,
            product.name,
            product.category.slug,
            _yes_no(product.is_active),
            size.label,
            size.sku,
            format_amount(size.price, product.currency),
            format_amount(size.compare_at_price, product.currency),
            str(size.stock_quantity),
            str(size.weight_grams),
            str(size.position),
            _yes_no(size.is_active),
            *(getattr(product, name) for name in TEXT_COLUMNS.values()),
        ]


def export_catalogue(file: IO[str]) -> int:
    """Write the catalogue to a text file (open it with newline=""); returns the sizes written."""
    writer = csv.writer(file)
    count = -1
    for row in export_rows():
        writer.writerow(row)
        count += 1
    return count


# --- the report -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in the file: where (CSV line, column) and what."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (f"line {self.line}" if self.line else "", self.column or "") if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    file_name: str = ""
    dry_run: bool = False
    rows: int = 0
    products: Counter = field(default_factory=Counter)  # created / updated / unchanged
    sizes: Counter = field(default_factory=Counter)
    stock_changes: int = 0
    changes: list[str] = field(default_factory=list)  # one line per product or size changed
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.products["created"]
            or self.products["updated"]
            or self.sizes["created"]
            or self.sizes["updated"]
        )

    def error(self, line: int | None, column: str | None, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def counts(self) -> str:
        """'products: 1 created, 2 updated, 3 unchanged; sizes: ...'."""
        verbs = ("to create", "to update") if self.dry_run else ("created", "updated")
        parts = []
        for kind, counter in (("products", self.products), ("sizes", self.sizes)):
            parts.append(
                f"{kind}: {counter['created']} {verbs[0]}, {counter['updated']} {verbs[1]}, "
                f"{counter['unchanged']} unchanged"
            )
        stock = (
            f"stock {'to change' if self.dry_run else 'changed'} on {self.stock_changes} size(s)"
        )
        return "; ".join([*parts, stock])

    def summary(self) -> str:
        rows = f"{self.rows} row{'s' if self.rows != 1 else ''}"
        source = f" of {self.file_name}" if self.file_name else ""
        if self.errors:
            return (
                f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''} in {rows}"
                f"{source}; nothing was imported."
            )
        if self.dry_run:
            return f"Dry run, nothing written: {rows}{source} checked; {self.counts()}."
        return f"Imported {rows}{source}: {self.counts()}."


# --- reading the file -----------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file, or ImportFileError saying why it is not one."""
    if not data or not data.strip():
        raise ImportFileError("The file is empty: it needs a header row and one row per size.")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "This is a spreadsheet (.xlsx, .ods or .numbers), not a CSV file: in your "
            "spreadsheet choose Save as / Export, then 'CSV UTF-8'."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "The file is UTF-16 text ('Unicode text'); save it as 'CSV UTF-8' instead."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 text (line {line} has the byte 0x{data[exc.start]:02x}): "
            "save it as 'CSV UTF-8' (in Excel: Save as > CSV UTF-8)."
        ) from None
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    return text


def _read_text(file: IO[Any] | bytes | str) -> str:
    if isinstance(file, bytes):
        return decode_csv(file)
    data = file if isinstance(file, str) else file.read()
    if isinstance(data, bytes):
        return decode_csv(data)
    text = data.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError("The file is empty: it needs a header row and one row per size.")
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    return text


def _file_name(file: object) -> str:
    name = getattr(file, "name", "") or ""
    return PurePath(str(name)).name if isinstance(name, str) else ""


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class _Row:
    line: int
    slug: str = ""
    sku: str = ""
    product: dict[str, Any] = field(default_factory=dict)  # column -> parsed value, given only
    size: dict[str, Any] = field(default_factory=dict)
    price: Decimal | None = None
    compare_at: Decimal | None = None
    compare_at_given: bool = False  # the column is in the file
    compare_at_bad: bool = False  # ...but the cell could not be read
    failed: set[str] = field(default_factory=set)  # columns whose cell could not be read

    @property
    def ok(self) -> bool:
        return not self.failed


def _read_rows(text: str, report: ImportReport) -> list[_Row] | None:
    """Parse and check each cell; None when the header itself is unusable."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except StopIteration:
        report.error(None, None, "The file is empty: it needs a header row and one row per size.")
        return None
    except csv.Error as exc:
        report.error(1, None, f"the header row cannot be read ({exc})")
        return None
    columns = [_normalise_header(h) for h in header]
    while columns and not columns[-1]:  # trailing empty cells of a spreadsheet
        columns.pop()
    known = set(COLUMNS)
    seen: set[str] = set()
    for index, name in enumerate(columns, start=1):
        if not name:
            report.error(1, None, f"column {index} has no name")
        elif name not in known:
            report.error(
                1,
                None,
                f"unknown column '{header[index - 1].strip()}'; the columns are: "
                + ", ".join(COLUMNS),
            )
        elif name in seen:
            report.error(1, None, f"the column '{name}' appears twice")
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            report.error(1, None, f"the column '{name}' is missing (required)")
    if report.errors:
        return None

    rows: list[_Row] = []
    line_after = reader.line_num
    while True:
        start = line_after + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.error(reader.line_num, None, f"this row cannot be read ({exc})")
            report.rows = len(rows)
            return rows
        line_after = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line, or a spreadsheet's empty row
        extra = cells[len(columns) :]
        if any(c.strip() for c in extra):
            report.error(
                start,
                None,
                f"this row has {len(cells)} cells but the header has {len(columns)} columns",
            )
            continue
        values = dict(zip(columns, cells, strict=False))
        rows.append(_parse_row(start, values, report))
    report.rows = len(rows)
    if not rows and not report.errors:
        report.error(None, None, "The file has a header but no rows: nothing to import.")
    return rows


def _parse_row(line: int, values: dict[str, str], report: ImportReport) -> _Row:
    row = _Row(line=line)

    def fail(column: str, message: str) -> None:
        row.failed.add(column)
        report.error(line, column, message)

    def cell(column: str) -> str | None:
        """The cell's text, None if the column is absent or the cell empty."""
        raw = values.get(column)
        if raw is None or not raw.strip():
            return None
        value = raw if column in _LONG_TEXT else raw.strip()
        limit = _MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            fail(column, f"{len(value)} characters; at most {limit}")
            return None
        return value

    slug = cell(PRODUCT_SLUG)
    if slug is None:
        if values.get(PRODUCT_SLUG, "").strip() == "":
            fail(PRODUCT_SLUG, "required")
    elif not _SLUG.fullmatch(slug):
        suggestion = slugify(slug)
        hint = f", e.g. '{suggestion}'" if suggestion else ""
        fail(PRODUCT_SLUG, f"'{slug}' is not a slug (letters, digits, - and _ only{hint})")
    else:
        row.slug = slug

    sku = cell(SKU)
    if sku is None:
        if values.get(SKU, "").strip() == "":
            fail(SKU, "required")
    else:
        row.sku = sku

    for column in ("product_name", *TEXT_COLUMNS):
        value = cell(column)
        if value is not None:
            row.product[column] = value
    category = cell("category")
    if category is not None:
        row.product["category"] = category
    for column, target in (("product_active", row.product), ("size_active", row.size)):
        value = cell(column)
        if value is None:
            continue
        if value.lower() in _TRUE:
            target[column] = True
        elif value.lower() in _FALSE:
            target[column] = False
        else:
            fail(column, f"'{value}' is not yes or no")

    label = cell("size_label")
    if label is not None:
        row.size["size_label"] = label

    price = cell(PRICE)
    if price is None:
        if values.get(PRICE, "").strip() == "":
            fail(PRICE, "required")
    else:
        row.price = _parse_amount(price, PRICE, fail)
    if COMPARE_AT in values:
        row.compare_at_given = True
        compare_at = cell(COMPARE_AT)
        if compare_at is not None:
            row.compare_at = _parse_amount(compare_at, COMPARE_AT, fail)
            row.compare_at_bad = row.compare_at is None

    for column, limit in (
        ("stock", _MAX_INT),
        ("weight_grams", _MAX_INT),
        ("position", _MAX_POSITION),
    ):
        value = cell(column)
        if value is None:
            continue
        if value.startswith("-") and _WHOLE.fullmatch(value[1:].strip()):
            fail(column, f"{value} is negative; it cannot be below 0")
        elif not _WHOLE.fullmatch(value):
            fail(column, f"'{value}' is not a whole number")
        elif int(value) > limit:
            fail(column, f"{value} is too large (at most {limit})")
        else:
            row.size[column] = int(value)
    return row


def _parse_amount(text: str, column: str, fail) -> Decimal | None:
    if "," in text:
        fail(
            column,
            f"'{text}' is not an amount: use a point for decimals and no thousands separator, e.g. 12.50",
        )
        return None
    if text.startswith("-") and _AMOUNT.fullmatch(text[1:].strip()):
        fail(column, f"{text} is negative; it cannot be below 0")
        return None
    if not _AMOUNT.fullmatch(text):
        fail(column, f"'{text}' is not an amount")
        return None
    return Decimal(text)


# --- checking the rows against each other and the database ------------------------


@dataclass
class _ProductPlan:
    slug: str
    line: int  # its first row
    existing: Product | None
    values: dict[str, Any] = field(default_factory=dict)  # column -> value, agreed by its rows
    value_lines: dict[str, int] = field(default_factory=dict)
    category: Category | None = None
    next_position: int = 0
    failed: set[str] = field(default_factory=set)  # product columns unreadable on a row

    @property
    def currency(self) -> str:
        return self.existing.currency if self.existing else settings.SHOP_CURRENCY


def _agree_on_products(rows: list[_Row], report: ImportReport) -> dict[str, _ProductPlan]:
    """One plan per product slug, with its values from its rows; disagreements are errors."""
    plans: dict[str, _ProductPlan] = {}
    for row in rows:
        if not row.slug:
            continue
        plan = plans.get(row.slug.lower())
        if plan is None:
            plan = plans[row.slug.lower()] = _ProductPlan(row.slug, row.line, None)
        plan.failed |= row.failed
        for column in _PRODUCT_VALUE_COLUMNS:
            if column not in row.product:
                continue
            value = row.product[column]
            if column not in plan.values:
                plan.values[column] = value
                plan.value_lines[column] = row.line
            elif plan.values[column] != value:
                shown = _shown(plan.values[column])
                report.error(
                    row.line,
                    column,
                    f"{_shown(value)} differs from line {plan.value_lines[column]} ({shown}) "
                    f"for the same product '{row.slug}'",
                )
    return plans


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = list(values)
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


def _by_key(objects: Iterable[Any], attr: str, wanted: Iterable[str]) -> dict[str, Any]:
    """Objects keyed by the file's spelling: exact match first, then ignoring case
    (MariaDB compares these columns without case; SQLite and PostgreSQL do not)."""
    exact = {getattr(o, attr): o for o in objects}
    folded: dict[str, Any] = {}
    for key, obj in exact.items():
        folded.setdefault(key.lower(), obj)
    found = {}
    for key in wanted:
        obj = exact.get(key) or folded.get(key.lower())
        if obj is not None:
            found[key] = obj
    return found


def _load_state(
    skus: set[str], slugs: set[str], categories: set[str], *, lock: bool
) -> tuple[dict[str, ProductVariant], dict[str, Product], dict[str, Category]]:
    """The sizes, products and categories the file names (products locked when writing)."""
    product_ids: set[int] = set()
    for chunk in _in_chunks(skus):
        product_ids.update(
            ProductVariant.objects.filter(sku__in=chunk).values_list("product_id", flat=True)
        )
    for chunk in _in_chunks(slugs):
        product_ids.update(Product.objects.filter(slug__in=chunk).values_list("pk", flat=True))
    if lock:
        inventory.lock_products(product_ids)  # the order inventory uses: products first
    products = Product.objects.select_related("category").in_bulk(list(product_ids))
    variants: list[ProductVariant] = []
    for chunk in _in_chunks(skus):
        variants.extend(ProductVariant.objects.filter(sku__in=chunk))
    for variant in variants:
        variant.product = products.get(variant.product_id) or variant.product
    positions: dict[int, int] = {}
    for product_id, position in ProductVariant.objects.filter(
        product_id__in=list(product_ids)
    ).values_list("product_id", "position"):
        positions[product_id] = max(positions.get(product_id, -1), position)
    for product in products.values():
        product._next_position = positions.get(product.pk, -1) + 1
    category_objects: list[Category] = []
    for chunk in _in_chunks(categories):
        category_objects.extend(Category.objects.filter(slug__in=chunk))
    return (
        _by_key(variants, "sku", skus),
        _by_key(products.values(), "slug", slugs),
        _by_key(category_objects, "slug", categories),
    )


def _to_minor(amount: Decimal, currency: str, line: int, column: str, report) -> int | None:
    places = exponent(currency)
    minor = amount * 10**places
    if minor != minor.to_integral_value():
        report.error(line, column, f"{amount} has more than {places} decimals")
        return None
    if minor > _MAX_INT:
        report.error(line, column, f"{amount} is too large")
        return None
    return int(minor)


@dataclass
class _SizePlan:
    row: _Row
    product: _ProductPlan
    existing: ProductVariant | None
    values: dict[str, Any]  # model field -> value to store
    stock: int | None  # the counted stock to set (None: leave it)


def _plan(rows: list[_Row], report: ImportReport, *, lock: bool):
    """Check the rows against the database and work out what changes."""
    plans = _agree_on_products(rows, report)
    skus_seen: dict[str, int] = {}
    for row in rows:
        if not row.sku:
            continue
        first = skus_seen.setdefault(row.sku.lower(), row.line)
        if first != row.line:
            report.error(row.line, SKU, f"'{row.sku}' is also on line {first}")
    skus = {row.sku for row in rows if row.sku}
    category_slugs = {p.values["category"] for p in plans.values() if "category" in p.values}
    variants, products, categories = _load_state(
        skus, {p.slug for p in plans.values()}, category_slugs, lock=lock
    )

    for plan in plans.values():
        plan.existing = products.get(plan.slug)
        plan.next_position = getattr(plan.existing, "_next_position", 0)
        if "category" in plan.values:
            plan.category = categories.get(plan.values["category"])
            if plan.category is None:
                report.error(
                    plan.value_lines["category"],
                    "category",
                    f"there is no category with the slug '{plan.values['category']}'",
                )
        if plan.existing is None:
            for column in ("product_name", "category"):
                if column not in plan.values and column not in plan.failed:
                    report.error(plan.line, column, f"required for a new product ('{plan.slug}')")

    sizes: list[_SizePlan] = []
    for row in rows:
        if not (row.slug and row.sku):
            continue
        product = plans[row.slug.lower()]
        existing = variants.get(row.sku)
        if existing is not None and (
            product.existing is None or existing.product_id != product.existing.pk
        ):
            report.error(
                row.line,
                SKU,
                f"'{row.sku}' is a size of '{existing.product.slug}', not of '{row.slug}' "
                "(a size cannot move to another product)",
            )
            continue
        values: dict[str, Any] = {}
        if existing is not None and existing.sku != row.sku:
            values["sku"] = row.sku  # the same SKU with other capitals
        currency = product.currency
        price = (
            _to_minor(row.price, currency, row.line, PRICE, report)
            if row.price is not None
            else None
        )
        compare_at = (
            _to_minor(row.compare_at, currency, row.line, COMPARE_AT, report)
            if row.compare_at is not None
            else None
        )
        if existing is None:
            for column in ("size_label", "stock"):
                if column not in row.size and column not in row.failed:
                    report.error(row.line, column, "required for a new size")
        effective_compare = (
            compare_at if row.compare_at_given else getattr(existing, "compare_at_price", None)
        )
        if (
            price is not None
            and not row.compare_at_bad
            and effective_compare is not None
            and effective_compare <= price
        ):
            if row.compare_at_given:
                report.error(
                    row.line,
                    COMPARE_AT,
                    f"{format_amount(effective_compare, currency)} must be higher than the "
                    f"price ({format_amount(price, currency)}), or left empty",
                )
            else:
                report.error(
                    row.line,
                    PRICE,
                    f"{format_amount(price, currency)} is not below the stored compare-at "
                    f"price {format_amount(effective_compare, currency)}: add a "
                    "compare_at_price column with a higher amount or an empty cell",
                )
        if not row.ok or price is None:
            continue
        values["price"] = price
        if row.compare_at_given:
            values["compare_at_price"] = compare_at
        for column in ("size_label", "weight_grams", "position", "size_active"):
            if column in row.size:
                values[SIZE_COLUMNS[column]] = row.size[column]
        sizes.append(_SizePlan(row, product, existing, values, row.size.get("stock")))
    return plans, sizes


# --- working out and writing the changes --------------------------------------


def _product_changes(plan: _ProductPlan) -> dict[str, Any]:
    """Model field -> new value, for what differs from the stored product (all, if new)."""
    wanted: dict[str, Any] = {}
    for column, value in plan.values.items():
        if column == "category":
            wanted["category"] = plan.category
        else:
            wanted[(PRODUCT_COLUMNS | TEXT_COLUMNS)[column]] = value
    if plan.existing is None:
        return wanted
    changes = {}
    for name, value in wanted.items():
        if name == "category":
            if value is not None and value.pk != plan.existing.category_id:
                changes[name] = value
            continue
        old = getattr(plan.existing, name)
        if isinstance(old, str) and name not in _LONG_TEXT and old.strip() == value:
            continue
        if old != value:
            changes[name] = value
    return changes


def _size_changes(size: _SizePlan) -> dict[str, Any]:
    if size.existing is None:
        return dict(size.values)
    changes = {}
    for name, value in size.values.items():
        old = getattr(size.existing, name)
        if name == "label" and old.strip() == value:
            continue
        if old != value:
            changes[name] = value
    return changes


def _describe(name: str, old: Any, new: Any, currency: str) -> str:
    if name in ("price", "compare_at_price"):
        old, new = format_amount(old, currency) or "none", format_amount(new, currency) or "none"
        return f"{name.replace('_', ' ')} {old} → {new}"
    if name == "category":
        return f"category {getattr(old, 'slug', old)} → {new.slug}"
    if name == "is_active":
        return f"active {_yes_no(old)} → {_yes_no(new)}"
    if name in _LONG_TEXT or name in ("short_description", "meta_description"):
        return f"{name.replace('_', ' ')} changed"
    return f"{name.replace('_', ' ')} {old!s} → {new!s}" if old is not None else f"{name} {new}"


def import_catalogue(
    file: IO[Any] | bytes | str,
    *,
    dry_run: bool,
    actor=None,
    name: str | None = None,
    reference: str | None = None,
) -> ImportReport:
    """Read a catalogue CSV (see the module docstring) and apply it, all or nothing.

    Every row is checked first; any error (reported with its line and column) means
    nothing is written. A dry run checks and counts what would change without writing.
    Stock changes go through scent.catalog.inventory as "Catalogue import" movements
    with `reference` (by default "import <file name>"), so they show in each size's
    history, and the products' summaries are refreshed. `file` is a binary or text file,
    bytes or str; `name` (default: the file's name) is shown in the report.
    """
    name = name if name is not None else _file_name(file)
    report = ImportReport(file_name=name, dry_run=dry_run)
    reference = (reference or f"import {name or 'CSV file'}")[:200]
    _import(file, report, reference=reference, actor=actor)
    report.errors.sort(key=lambda e: e.line or 0)  # in file order (stable within a line)
    return report


def _import(file, report: ImportReport, *, reference: str, actor) -> None:
    dry_run = report.dry_run
    try:
        text = _read_text(file)
    except ImportFileError as exc:
        report.error(None, None, str(exc))
        return
    rows = _read_rows(text, report)
    if not rows:
        return
    try:
        with transaction.atomic():
            plans, sizes = _plan(rows, report, lock=not dry_run)
            work = _count(plans, sizes, report)
            if report.errors or dry_run:
                return
            _write(work, reference=reference, actor=actor)
    except (IntegrityError, inventory.StockError) as exc:
        report.error(
            None,
            None,
            f"the catalogue changed while importing ({exc}); nothing was imported, try again",
        )


@dataclass
class _Work:
    products: list[tuple[_ProductPlan, dict[str, Any]]]
    sizes: list[tuple[_SizePlan, dict[str, Any]]]


def _count(plans: dict[str, _ProductPlan], sizes: list[_SizePlan], report: ImportReport) -> _Work:
    work = _Work([], [])
    changed: list[tuple[int, int, str]] = []  # (line, product 0 / size 1, text)
    for plan in plans.values():
        changes = _product_changes(plan)
        if plan.existing is None:
            report.products["created"] += 1
            changed.append((plan.line, 0, f"line {plan.line}, {plan.slug}: new product"))
        elif changes:
            report.products["updated"] += 1
            described = ", ".join(
                _describe(n, getattr(plan.existing, n), v, plan.currency)
                for n, v in changes.items()
            )
            changed.append((plan.line, 0, f"line {plan.line}, {plan.slug}: {described}"))
        else:
            report.products["unchanged"] += 1
        work.products.append((plan, changes))
    for size in sizes:
        changes = _size_changes(size)
        stock_changes = size.stock is not None and (
            size.existing is None or size.stock != size.existing.stock_quantity
        )
        where = f"line {size.row.line}, {size.row.sku}"
        if size.existing is None:
            report.sizes["created"] += 1
            changed.append(
                (
                    size.row.line,
                    1,
                    f"{where}: new size '{size.values.get('label', '')}' of {size.product.slug}, "
                    f"{format_amount(size.values['price'], size.product.currency)}, "
                    f"stock {size.stock}",
                )
            )
            if size.stock:
                report.stock_changes += 1
        elif changes or stock_changes:
            report.sizes["updated"] += 1
            parts = [
                _describe(n, getattr(size.existing, n), v, size.product.currency)
                for n, v in changes.items()
            ]
            if stock_changes:
                report.stock_changes += 1
                parts.append(f"stock {size.existing.stock_quantity} → {size.stock}")
            changed.append((size.row.line, 1, f"{where}: {', '.join(parts)}"))
        else:
            report.sizes["unchanged"] += 1
        work.sizes.append((size, changes if size.existing else {}))
    report.changes = [text for _, _, text in sorted(changed, key=lambda c: c[:2])]
    return work


def _write(work: _Work, *, reference: str, actor) -> None:
    """Apply the plan (inside the caller's transaction, products already locked)."""
    touched: set[int] = set()
    for plan, changes in work.products:
        if plan.existing is None:
            product = Product(slug=plan.slug, short_description="", description="")
            for name, value in changes.items():
                setattr(product, name, value)
            product.save()
            plan.existing = product
            touched.add(product.pk)
        elif changes:
            for name, value in changes.items():
                setattr(plan.existing, name, value)
            plan.existing.save(update_fields=[*changes, "updated_at"])
            touched.add(plan.existing.pk)
    for size, changes in work.sizes:
        product = size.product.existing
        if size.existing is None:
            values = dict(size.values)
            if "position" not in values:
                values["position"] = size.product.next_position
            size.product.next_position = max(size.product.next_position, values["position"] + 1)
            variant = ProductVariant(product=product, sku=size.row.sku, **values)
            variant.stock_quantity = size.stock or 0  # a new size: its opening stock
            variant.save()
            inventory.record_opening_stock(
                variant=variant, reason=StockReason.IMPORT, reference=reference, actor=actor
            )
            continue
        variant = size.existing
        if changes:
            for name, value in changes.items():
                setattr(variant, name, value)
            variant.save(update_fields=[*changes, "updated_at"])
            touched.add(product.pk)
        if size.stock is not None and size.stock != variant.stock_quantity:
            inventory.set_stock(
                variant=variant,
                quantity=size.stock,
                reason=StockReason.IMPORT,
                reference=reference,
                actor=actor,
            )
    # Prices and active flags change the summaries; stock changes refreshed them already.
    # Products with nothing changed are not touched (their updated_at stays).
    inventory.refresh_product_summaries(touched)
