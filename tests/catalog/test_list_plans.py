"""Every sort of the product list, with each filter, is read through an index on each
database: the queries a page runs (its count, its first and a deep page) are run, then
EXPLAINed, and a full table scan of catalog_product fails the test:

- SQLite (EXPLAIN QUERY PLAN): a step "SCAN catalog_product" (or one of its aliases)
  without an index. Its planner goes by the schema, not the row counts.
- MariaDB (EXPLAIN): a row of catalog_product (or an alias) with access type ALL.
- PostgreSQL (EXPLAIN (FORMAT JSON)): a Seq Scan on catalog_product, or a scan of its
  whole primary key (a full scan in another form).

Where nothing but the sort order shapes the list, the page's keys must also come off
the sort's index in order, not from a sort of every product (SQLite: a second temporary
B-tree besides the page's own 12 rows; MariaDB: a filesort on a table rather than on
the materialised page; PostgreSQL: a Sort under the Limit).

The planners of MariaDB and PostgreSQL go by statistics and rightly read a small table
from end to end, so the catalogue has a few thousand rows (bulk inserts), committed
(the tests are transactional) and analysed: ANALYZE TABLE on MariaDB, VACUUM ANALYZE on
PostgreSQL (the visibility map lets it plan index-only scans). PostgreSQL is also run
with enable_seqscan off: its plan then shows that an index CAN serve each query, as it
would choose one for 100,000 products (with no usable index it still has to scan).

Run it on each database:
    .venv/bin/python -m pytest -p no:cacheprovider -n 0 tests/catalog/test_list_plans.py
    DB_CONNECTION=mariadb DB_DATABASE=the_scent_plans .venv/bin/python -m pytest ...
    DB_CONNECTION=pgsql DB_USERNAME=postgres DB_DATABASE=the_scent_plans ...
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scent.catalog.models import (
    Category,
    Mood,
    Note,
    NotePosition,
    Product,
    ProductNote,
    ScentFamily,
)
from scent.catalog.selectors import SORTS, ProductFilters, product_pages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PRODUCTS = 3000
PER_PAGE = 12
DEEP_PAGE = 41  # 480 products skipped
FILTERS = ["none", "category", "family", "mood", "note", "price range", "in stock", "search"]


@dataclass(frozen=True)
class Shelf:
    category: Category
    mood: Mood
    note: Note


@pytest.fixture
def shelf() -> Shelf:
    """A catalogue big enough for the planners to take it seriously (bulk inserts)."""
    rng = random.Random(11)
    categories = Category.objects.bulk_create(
        Category(name=f"Category {n}", slug=f"category-{n}", is_active=n != 5) for n in range(6)
    )
    moods = Mood.objects.bulk_create(Mood(name=f"Mood {n}", slug=f"mood-{n}") for n in range(4))
    notes = Note.objects.bulk_create(Note(name=f"Note {n}", slug=f"note-{n}") for n in range(12))
    families = list(ScentFamily.values)
    words = ["lavender", "cedar", "orange", "rose", "vetiver", "mint"]
    products = Product.objects.bulk_create(
        (
            Product(
                category=categories[n % len(categories)],
                slug=f"product-{n}",
                name=f"{rng.choice(words).title()} {n}",
                short_description="A bottle.",
                description="Steam-distilled.",
                search_text=f"{rng.choice(words)} oil",
                is_active=n % 17 != 0,
                is_featured=n % 11 == 0,
                scent_family=families[n % len(families)],
                price=rng.randrange(500, 9000),
                price_max=9000,
                in_stock=n % 10 != 0,
                variant_count=1 + n % 3,
                rating_average=rng.choice([0, 0, 350, 420, 500]),
                review_count=rng.randrange(0, 40),
            )
            for n in range(PRODUCTS)
        ),
        batch_size=500,
    )
    through = Product.moods.through
    through.objects.bulk_create(
        (through(product=p, mood=moods[i % len(moods)]) for i, p in enumerate(products)),
        batch_size=1000,
    )
    ProductNote.objects.bulk_create(
        (
            ProductNote(product=p, note=notes[(i + k) % len(notes)], position=position)
            for i, p in enumerate(products)
            for k, position in enumerate(NotePosition.values)
        ),
        batch_size=1000,
    )
    _refresh_statistics()
    return Shelf(category=categories[1], mood=moods[1], note=notes[2])


TABLES = ("catalog_product", "catalog_category", "catalog_productnote", "catalog_product_moods")


def _refresh_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
            cursor.execute("SET enable_seqscan = off")
        elif connection.vendor == "mysql":
            cursor.execute(f"ANALYZE TABLE {', '.join(TABLES)}")
            cursor.fetchall()


@pytest.fixture(autouse=True)
def _planner_defaults():
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")


def filters_for(name: str, shelf: Shelf, sort: str) -> ProductFilters:
    return {
        "none": ProductFilters(sort=sort),
        "category": ProductFilters(category=shelf.category, sort=sort),
        "family": ProductFilters(family=ScentFamily.CITRUS, sort=sort),
        "mood": ProductFilters(mood=shelf.mood, sort=sort),
        "note": ProductFilters(note=shelf.note, sort=sort),
        "price range": ProductFilters(min_price=2000, max_price=4000, sort=sort),
        "in stock": ProductFilters(in_stock=True, sort=sort),
        "search": ProductFilters(q="lavender", sort=sort),
    }[name]


def queries_of_a_page(filters: ProductFilters, number: int) -> list[str]:
    """The SQL of what reading page `number` runs: its count and its products."""
    pages = product_pages(filters=filters)
    start = (number - 1) * PER_PAGE
    with CaptureQueriesContext(connection) as captured:
        pages.count()
        pages[start : start + PER_PAGE]
    return [q["sql"] for q in captured.captured_queries]


# --- reading the plans --------------------------------------------------------------


def _product_names(sql: str) -> set[str]:
    """catalog_product and the aliases the statement gives it (U0, T3...)."""
    aliases = re.findall(r'[`"]catalog_product[`"] (?:AS )?[`"]?([A-Z]\d+)\b', sql)
    return {"catalog_product", *aliases}


@dataclass
class Plan:
    full_scans: list[str]
    sorts_every_product: list[str]


def sqlite_plan(sql: str) -> Plan:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        steps = [row[-1] for row in cursor.fetchall()]
    names = _product_names(sql)
    scans = [s for s in steps if s.startswith("SCAN ") and s.split()[1] in names]
    sorts = [s for s in steps if s.startswith("USE TEMP B-TREE FOR ORDER BY")]
    # The rows of a page read by its keys are sorted once (12 rows); keys sorted too:
    # they were not read off the index in order.
    page_by_keys = "page_keys" in sql
    return Plan(
        full_scans=[s for s in scans if " USING " not in s],
        sorts_every_product=steps if len(sorts) > (1 if page_by_keys else 0) else [],
    )


def mariadb_plan(sql: str) -> Plan:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    names = _product_names(sql)
    return Plan(
        full_scans=[
            f"{row['table']}: type ALL (possible keys {row['possible_keys']})"
            for row in rows
            if row["table"] in names and row["type"] == "ALL"
        ],
        # A filesort of the materialised page (<subquery2>) is of its 12 rows.
        sorts_every_product=[
            f"{row['table']}: {row['Extra']}"
            for row in rows
            if "filesort" in (row["Extra"] or "") and not row["table"].startswith("<")
        ],
    )


def postgres_plan(sql: str) -> Plan:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    plan = document if isinstance(document, list) else json.loads(document)
    scans: list[str] = []
    sorts: list[str] = []

    def walk(node: dict, parent: str = "") -> None:
        kind = node["Node Type"]
        if node.get("Relation Name") == "catalog_product":
            if kind == "Seq Scan":
                scans.append(f"Seq Scan on catalog_product ({node.get('Filter', '')})")
            elif node.get("Index Name") == "catalog_product_pkey" and "Index Cond" not in node:
                scans.append(f"{kind} of the whole primary key ({node.get('Filter', '')})")
        if kind == "Sort" and parent == "Limit":
            sorts.append(f"Sort ({', '.join(node['Sort Key'])}) under a Limit")
        for child in node.get("Plans", []):
            walk(child, kind)

    walk(plan[0]["Plan"])
    return Plan(full_scans=scans, sorts_every_product=sorts)


PLANS = {"sqlite": sqlite_plan, "mysql": mariadb_plan, "postgresql": postgres_plan}


def plan_of(sql: str) -> Plan:
    return PLANS[connection.vendor](sql)


def full_scans(sql: str) -> list[str]:
    return plan_of(sql).full_scans


# --- the tests ----------------------------------------------------------------------


# Filters that leave each sort's index order usable: the keys come off it in order.
IN_INDEX_ORDER = {"none", "in stock"}


def _lists_products(sql: str) -> bool:
    """A page's products or keys (not its count, not its pictures)."""
    return bool(re.match(r'SELECT [^;]*? FROM [`"]catalog_product[`"]', sql)) and (
        "COUNT(" not in sql.upper()
    )


@pytest.mark.parametrize("filter_name", FILTERS)
def test_no_sort_with_this_filter_scans_the_products_table(shelf, filter_name):
    # given a catalogue of a few thousand products, and the list narrowed by one filter
    failures = []
    for sort in SORTS:
        filters = filters_for(filter_name, shelf, sort)
        # when its first page and a deep page are read
        for number in (1, DEEP_PAGE):
            for sql in queries_of_a_page(filters, number):
                plan = plan_of(sql)
                # then no query the page ran reads the whole products table
                problems = list(plan.full_scans)
                # and, where only the order shapes the list, none sorts every product
                if filter_name in IN_INDEX_ORDER and _lists_products(sql):
                    problems += plan.sorts_every_product
                failures += [f"sort={sort} page {number}: {p}\n    {sql}" for p in problems]
    assert not failures, "\n".join(failures)


def test_a_deep_page_reads_its_keys_off_the_sort_index_alone():
    # given the plain list on SQLite, where the plan shows whether rows are looked up
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plans")
    for sort in SORTS:
        # when a deep page is read
        (sql,) = [
            q for q in queries_of_a_page(ProductFilters(sort=sort), DEEP_PAGE) if "OFFSET" in q
        ]
        with connection.cursor() as cursor:
            steps = [row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}")]
        # then the keys come off a covering index, in order (no sort of every product)
        assert any("USING COVERING INDEX product_" in s for s in steps), (sort, steps)
        assert sum("TEMP B-TREE" in s for s in steps) <= 1, (sort, steps)  # the page's 12


def test_the_plan_check_sees_a_full_scan(shelf):
    # given a query on a column that no index serves
    with CaptureQueriesContext(connection) as captured:
        list(Product.objects.filter(description="Steam-distilled.").only("pk")[:5])
    # when its plan is read, then it is reported as the full scan it is
    assert full_scans(captured.captured_queries[0]["sql"])
