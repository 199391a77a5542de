# ruff: noqa: S608, S610 - the SQL below is built from constant table names; shopper text is always a parameter
"""Full-text product search on each database's own index, chosen here and nowhere else.

Every product keeps a search document (`Product.search_text`: descriptions, category,
notes, moods, size labels and SKUs) next to its name, rewritten in the same transaction
as whatever it is made of changes (signals and services call `refresh_search_documents`).
The index over name + document is the database's own (migration catalog 0006):

- SQLite: an FTS5 external-content table (porter stemmer), kept in step with the
  products' rows by triggers, ranked with bm25 (a word in the name weighs 10x);
- MariaDB/MySQL: InnoDB FULLTEXT indexes, MATCH ... AGAINST in boolean mode (words are
  reduced to a stem and matched as prefixes, as InnoDB does not stem);
- PostgreSQL: a generated tsvector column (name weight A, document B) with a GIN index,
  queried with to_tsquery('english') prefixes and ranked with ts_rank.

Every word must match ("lavender sleep" narrows); word forms match (oils / oil,
relaxing / relax); an exact SKU finds its product. `scent search:reindex` rebuilds all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import QuerySet

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text: str) -> list[str]:
    return tokens(text)[:MAX_WORDS]


def tokens(text: str) -> list[str]:
    """Every word of `text`, lowercased (a query keeps the first MAX_WORDS of them)."""
    return [w.lower() for w in _WORD.findall(text or "")]


def _stem(word: str) -> str:
    """A light English stem for databases that do not stem (then matched as a prefix)."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# --- the documents -----------------------------------------------------------------


def _documents(product_ids: list[int], apps) -> dict[int, str]:
    Product = apps.get_model("catalog", "Product")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    ProductNote = apps.get_model("catalog", "ProductNote")
    parts: dict[int, list[str]] = defaultdict(list)
    rows = Product.objects.filter(pk__in=product_ids).values_list(
        "pk", "short_description", "description", "category__name"
    )
    for pk, short, long, category in rows:
        parts[pk] += [short, long, category or ""]
    for pk, label, sku in ProductVariant.objects.filter(
        product_id__in=product_ids, is_active=True
    ).values_list("product_id", "label", "sku"):
        parts[pk] += [label, sku]
    for pk, note in ProductNote.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "note__name"
    ):
        parts[pk].append(note)
    through = Product.moods.through
    for pk, mood in through.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "mood__name"
    ):
        parts[pk].append(mood)
    return {pk: " ".join(p for p in texts if p) for pk, texts in parts.items()}


def refresh_search_documents(
    product_ids: Iterable[int],
    *,
    apps=None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
    vocabulary: bool = True,
) -> int:
    """Rewrite the search documents of these products; returns how many were written.

    Their words new to the "Did you mean" vocabulary join it in the same transaction
    (scent.catalog.vocabulary.add_words_of); `vocabulary=False` leaves that to a rebuild.
    """
    from scent.catalog import vocabulary as terms

    apps = apps or global_apps
    Product = apps.get_model("catalog", "Product")
    ids = sorted(set(product_ids))
    written = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        documents = _documents(chunk, apps)
        products = [Product(pk=pk, search_text=text) for pk, text in documents.items()]
        Product.objects.bulk_update(products, ["search_text"], batch_size=500)
        if vocabulary:
            terms.add_words_of(chunk, apps=apps)
        written += len(products)
        if progress:
            progress(len(chunk))
    return written


def reindex_all(*, progress: Callable[[int], None] | None = None, apps=None) -> int:
    """Every product's document, then the index itself where it is a separate table, then
    the "Did you mean" vocabulary from scratch (exact counts, unused words gone)."""
    from scent.catalog import vocabulary as terms

    apps = apps or global_apps
    Product = apps.get_model("catalog", "Product")
    ids = Product.objects.values_list("pk", flat=True)
    written = refresh_search_documents(ids, apps=apps, progress=progress, vocabulary=False)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
    terms.rebuild(apps=apps)
    return written


# --- the index, per database ---------------------------------------------------------

FTS_TABLE = "catalog_product_fts"
PRODUCT_TABLE = "catalog_product"

SQLITE_INDEX = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        name, search_text, content='{PRODUCT_TABLE}', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ai AFTER INSERT ON {PRODUCT_TABLE}
        BEGIN INSERT INTO {FTS_TABLE}(rowid, name, search_text)
        VALUES (new.id, new.name, new.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ad AFTER DELETE ON {PRODUCT_TABLE}
        BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name, search_text)
        VALUES ('delete', old.id, old.name, old.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_product_fts_au
        AFTER UPDATE OF name, search_text ON {PRODUCT_TABLE}
        BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name, search_text)
        VALUES ('delete', old.id, old.name, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, name, search_text)
        VALUES (new.id, new.name, new.search_text); END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalog_product_fts_ai",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_product_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
MYSQL_INDEX = [
    f"CREATE FULLTEXT INDEX product_name_ft ON {PRODUCT_TABLE} (name)",
    f"CREATE FULLTEXT INDEX product_search_ft ON {PRODUCT_TABLE} (name, search_text)",
]
MYSQL_DROP = [
    f"DROP INDEX product_search_ft ON {PRODUCT_TABLE}",
    f"DROP INDEX product_name_ft ON {PRODUCT_TABLE}",
]
POSTGRES_INDEX = [
    f"""ALTER TABLE {PRODUCT_TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(search_text, '')), 'B')) STORED""",
    f"CREATE INDEX product_search_gin ON {PRODUCT_TABLE} USING GIN (search_vector)",
]
POSTGRES_DROP = [f"ALTER TABLE {PRODUCT_TABLE} DROP COLUMN search_vector"]

INDEX_SQL = {"sqlite": SQLITE_INDEX, "mysql": MYSQL_INDEX, "postgresql": POSTGRES_INDEX}
DROP_SQL = {"sqlite": SQLITE_DROP, "mysql": MYSQL_DROP, "postgresql": POSTGRES_DROP}


# --- querying -------------------------------------------------------------------------


def _looks_like_sku(text: str) -> bool:
    """One token with a digit or a dash (EO-LAV-10), so plain words cost no SKU lookup."""
    return bool(text) and " " not in text and any(c.isdigit() or c == "-" for c in text)


def matching(qs: QuerySet, text: str) -> QuerySet:
    """`qs` narrowed to the products every word of `text` matches, annotated with
    `search_rank` (higher is better). An exact SKU gives its product alone."""
    from scent.catalog.models import ProductVariant

    sku = text.strip()
    if _looks_like_sku(sku):
        owner = (
            ProductVariant.objects.filter(sku__iexact=sku)
            .values_list("product_id", flat=True)
            .first()
        )
        if owner is not None:
            return qs.filter(pk=owner).extra(select={"search_rank": "1"})
    words = words_of(text)
    if not words:  # nothing searchable in it: every product, in the usual order
        return qs.extra(select={"search_rank": "0"})
    return _MATCHERS[connection.vendor](qs, words)


def _sqlite(qs: QuerySet, words: list[str]) -> QuerySet:
    query = " AND ".join(f'"{w}"*' for w in words)
    return qs.extra(
        tables=[FTS_TABLE],
        # The unary + keeps SQLite from looking the index up once per product row (28 s
        # for a count over 100,000 products): the full-text match drives the join.
        where=[f"+{FTS_TABLE}.rowid = {PRODUCT_TABLE}.id", f"{FTS_TABLE} MATCH %s"],
        params=[query],
        select={"search_rank": f"-bm25({FTS_TABLE}, 10.0, 1.0)"},
    )


def _mysql(qs: QuerySet, words: list[str]) -> QuerySet:
    # InnoDB does not index words shorter than its minimum token size (3 by default).
    stems = [_stem(w) for w in words if len(w) >= 3] or words
    query = " ".join(f"+{s}*" for s in stems)
    columns = f"{PRODUCT_TABLE}.name, {PRODUCT_TABLE}.search_text"
    return qs.extra(
        where=[f"MATCH({columns}) AGAINST (%s IN BOOLEAN MODE)"],
        params=[query],
        select={
            "search_rank": f"MATCH({PRODUCT_TABLE}.name) AGAINST (%s IN BOOLEAN MODE) * 10 "
            f"+ MATCH({columns}) AGAINST (%s IN BOOLEAN MODE)"
        },
        select_params=[query, query],
    )


def _postgres(qs: QuerySet, words: list[str]) -> QuerySet:
    query = " & ".join(f"{w}:*" for w in words)
    tsquery = "to_tsquery('english', %s)"
    return qs.extra(
        where=[f"{PRODUCT_TABLE}.search_vector @@ {tsquery}"],
        params=[query],
        select={"search_rank": f"ts_rank({PRODUCT_TABLE}.search_vector, {tsquery})"},
        select_params=[query],
    )


_MATCHERS = {"sqlite": _sqlite, "mysql": _mysql, "postgresql": _postgres}
