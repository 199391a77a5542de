"""Reads the catalogue pages need, each with its joins spelled out (no N+1).

Every page runs a fixed number of queries whatever the catalogue's size: products come
with their category (a join) and their images (one prefetch, ordered), detail pages add
moods and notes (one prefetch each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.text import slugify

from scent.catalog import search
from scent.catalog.inventory import SHOWN_STOCK_LIMIT
from scent.catalog.models import (
    Category,
    Mood,
    Note,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
)
from scent.core import page_cache
from scent.core.money import format_money

RELATED_PRODUCTS = 4
FEATURED_PRODUCTS = 8
INGREDIENT_NOTES = 6
PRODUCTS_PER_INGREDIENT = 3

# sort key -> (label, ordering). The primary key ends each ordering so pages never
# repeat or skip a product when several share a price or a name. Each ordering is read
# off an index of its own (Product.Meta.indexes).
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "featured": ("Featured", ("-is_featured", "name", "pk")),
    # The best match first: a search's own order (its default). Without a search there
    # is nothing to match, and it is the featured order.
    "relevance": ("Best match", ("-is_featured", "name", "pk")),
    "price_asc": ("Price: low to high", ("price", "name", "pk")),
    "price_desc": ("Price: high to low", ("-price", "name", "pk")),
    "newest": ("Newest", ("-created_at", "-pk")),
    "name": ("Name: A to Z", ("name", "pk")),
    # Highest average approved rating first, the most reviewed first among equals
    # (Product.rating_average / review_count, kept by scent.catalog.ratings).
    "rating": ("Top rated", ("-rating_average", "-review_count", "name", "pk")),
}
SEARCH_ORDERING = ("-search_rank", "name", "pk")


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """What a shopper narrowed the list by; prices in minor units of the shop currency."""

    q: str = ""
    category: Category | None = None
    family: str = ""
    mood: Mood | None = None
    note: Note | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "featured"

    @property
    def cache_key(self) -> str:
        """The same for the same filters (categories, moods and notes by id), for kept
        counts."""
        parts = [
            " ".join(search.words_of(self.q)),
            str(self.category.pk if self.category else ""),
            self.family,
            str(self.mood.pk if self.mood else ""),
            str(self.note.pk if self.note else ""),
            str(self.min_price),
            str(self.max_price),
            str(self.in_stock),
        ]
        return "|".join(parts)

    @property
    def narrowed(self) -> bool:
        """True when anything but the sort order limits the list."""
        return bool(
            self.q
            or self.category
            or self.family
            or self.mood
            or self.note
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock
        )


def _images() -> Prefetch:
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def _with_card_data(qs: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows: the category and the images in gallery order."""
    return qs.select_related("category").prefetch_related(_images())


def active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def moods() -> list[Mood]:
    return list(Mood.objects.all())


def mood_and_note_choices() -> tuple[list[Mood], list[Note]]:
    """The moods and the notes the list's filters offer, by name, in one query (a UNION):
    the note filter costs the list no query of its own."""
    columns = ("kind", "pk", "name", "slug")
    kind = CharField(max_length=4)
    rows = (
        Mood.objects.annotate(kind=Value("mood", output_field=kind))
        .order_by()
        .values_list(*columns)
        .union(
            Note.objects.annotate(kind=Value("note", output_field=kind))
            .order_by()
            .values_list(*columns),
            all=True,
        )
        .order_by("kind", "name", "pk")
    )
    moods: list[Mood] = []
    notes: list[Note] = []
    for what, pk, name, slug in rows:
        if what == "mood":
            moods.append(Mood(pk=pk, name=name, slug=slug))
        else:
            notes.append(Note(pk=pk, name=name, slug=slug))
    return moods, notes


def featured_products(*, limit: int = FEATURED_PRODUCTS) -> list[Product]:
    qs = Product.objects.active().filter(is_featured=True).order_by("name", "pk")
    return list(_with_card_data(qs)[:limit])


def product_count(*, filters: ProductFilters, products: QuerySet[Product]) -> int:
    """How many products match: counted once per filter set and catalogue version.

    A count reads every matching row (0.4 s for 100,000 products on SQLite) and the list
    needs it on every page; it is kept in the shared cache under the catalogue version
    (scent.core.page_cache), so any change to the catalogue counts afresh. The sort order
    does not change a count. With the shared caches off, it is counted every time.
    """
    return page_cache.remember(
        "product-count", filters.cache_key, lambda: products.order_by().count()
    )


def product_list(*, filters: ProductFilters | None = None) -> QuerySet[Product]:
    """Active products narrowed and ordered by `filters`, ready for a paginator."""
    filters = filters or ProductFilters()
    qs = Product.objects.active()
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.family:
        qs = qs.filter(scent_family=filters.family)
    if filters.mood is not None:
        qs = qs.filter(
            pk__in=Product.moods.through.objects.filter(mood=filters.mood).values("product_id")
        )
    if filters.note is not None:  # the products of a note, off ProductNote's note index
        qs = qs.filter(pk__in=ProductNote.objects.filter(note=filters.note).values("product_id"))
    if filters.min_price is not None:
        qs = qs.filter(price__gte=filters.min_price)
    if filters.max_price is not None:
        qs = qs.filter(price__lte=filters.max_price)
    if filters.in_stock:
        qs = qs.in_stock()
    _label, ordering = SORTS.get(filters.sort, SORTS["featured"])
    if filters.q:
        qs = search.matching(qs, filters.q)
        if filters.sort not in SORTS or filters.sort in ("featured", "relevance"):
            ordering = SEARCH_ORDERING  # best match first
    return _with_card_data(qs.order_by(*ordering))


def product_pages(*, filters: ProductFilters | None = None) -> ProductPages:
    """The list of `product_list`, for a Paginator: each page read as `ProductPages` says."""
    filters = filters or ProductFilters()
    return ProductPages(product_list(filters=filters), search=bool(filters.q))


class ProductPages:
    """A product list as a Paginator slices it, a deep page costing what the first does.

    A page is not read with a plain OFFSET over full rows (page 4,000 of 100,000 products
    read and threw away 48,000 rows: 90-115 ms on SQLite against 2 ms for page 1). Its
    primary keys come first, from the sort's own index, which holds every column the
    list filters on (Product.Meta.indexes): the OFFSET skips index entries alone, never
    a table row (SQLite's rowid and InnoDB's primary key are in every index; PostgreSQL
    reads the id column of the index, an index-only scan). The page's rows, with their
    category, are then read by those keys:

    - in the same statement, the keys a subquery of the rows' query (wrapped in a derived
      table, as MariaDB takes no LIMIT in an IN subquery): as many queries as a plain
      OFFSET. SQLite and PostgreSQL always; MariaDB for the first page.
    - in a second statement by the keys, put back in their order here, for a deep page
      on MariaDB (it estimates the derived table at OFFSET + LIMIT rows and then reads
      every product of every category to join it: 280-380 ms at 48,000 against 50 ms),
      and for a later page of a search.

    On MariaDB the keys' query is a STRAIGHT_JOIN: left to itself, it reads the few
    categories first and then sorts every product they hold (80 ms for page 1 of
    100,000; 0.5 ms off the index). A search is driven by its full-text match; its
    first page is the plain query (12 rows to sort), a later one takes its keys first
    so that the sort holds narrow rows, not whole products.
    """

    ordered = True  # the Paginator warns about unordered lists

    def __init__(self, products: QuerySet[Product], *, search: bool = False) -> None:
        self.products = products
        self.search = search

    def count(self) -> int:
        return self.products.order_by().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Product]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("ProductPages takes a slice of products, such as [24:36]")
        start = index.start or 0
        stop = index.stop if index.stop is not None else start + 1000
        if stop <= start:
            return []
        if self.search and start == 0:
            return list(self.products[:stop])
        if self.search or (start > 0 and connection.vendor == "mysql"):
            return self._rows_in_order(self._page_keys(start, stop))
        return list(self.page_query(start, stop))

    def page_query(self, start: int, stop: int) -> QuerySet[Product]:
        """The rows of products [start:stop] whose keys a subquery reads off the index."""
        sql, params = self._keys_sql(start, stop)
        # The SQL is the ORM's own, with the shopper's values as parameters.
        keys = RawSQL(f"SELECT page_keys.id FROM ({sql}) page_keys", params)  # noqa: S608, S611
        ordering = self.products.query.order_by
        return _with_card_data(Product.objects.filter(pk__in=keys).order_by(*ordering))

    def _keys_sql(self, start: int, stop: int) -> tuple[str, tuple]:
        keys = self.products.prefetch_related(None).values_list("id", flat=True)[start:stop]
        sql, params = keys.query.sql_with_params()
        if connection.vendor == "mysql" and sql.startswith("SELECT "):
            sql = "SELECT STRAIGHT_JOIN " + sql.removeprefix("SELECT ")  # products first
        return sql, params

    def _page_keys(self, start: int, stop: int) -> list[int]:
        sql, params = self._keys_sql(start, stop)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _rows_in_order(keys: list[int]) -> list[Product]:
        unordered = Product.objects.filter(pk__in=keys).order_by()  # put in order here
        rows = {p.pk: p for p in _with_card_data(unordered)}
        return [rows[pk] for pk in keys if pk in rows]


def product_for_page(*, slug: str) -> Product | None:
    """An active product with what its page shows (category, moods, notes), or None.

    Images are not prefetched here: `product_page_images` loads them for the product
    and its related products in one query.
    """
    notes = Prefetch(
        "product_notes",
        queryset=ProductNote.objects.select_related("note").order_by(
            Case(
                When(position="top", then=Value(0)),
                When(position="heart", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "note__name",
        ),
    )
    sizes = Prefetch(
        "variants",
        queryset=ProductVariant.objects.filter(is_active=True).order_by("position", "pk"),
        to_attr="active_sizes",
    )
    qs = (
        Product.objects.active()
        .select_related("category")
        .prefetch_related(Prefetch("moods", queryset=Mood.objects.order_by("name")), notes, sizes)
    )
    return qs.filter(slug=slug).first()


@dataclass(frozen=True, slots=True)
class SizeChoice:
    """One size as the product page offers it (and its script follows)."""

    variant: ProductVariant
    currency: str

    def __getattr__(self, name: str):
        # pk, label, sku, price, compare_at_price, stock_quantity, in_stock, low_stock, on_sale
        return getattr(self.variant, name)

    price_varies = False

    @property
    def price_text(self) -> str:
        return format_money(self.variant.price, self.currency)

    @property
    def was_text(self) -> str:
        v = self.variant
        return format_money(v.compare_at_price, self.currency) if v.on_sale else ""

    @property
    def max_quantity(self) -> int:
        return max(1, min(self.variant.stock_quantity, SHOWN_STOCK_LIMIT))  # the cart's cap

    @property
    def stock_text(self) -> str:
        v = self.variant
        if not v.in_stock:
            return "Sold out"
        return f"Only {v.stock_quantity} left" if v.low_stock else "In stock"

    @property
    def stock_class(self) -> str:
        v = self.variant
        return (
            "badge-soldout" if not v.in_stock else "badge-low" if v.low_stock else "badge-instock"
        )


def product_sizes(product: Product, *, wanted: str = "") -> tuple[list[SizeChoice], SizeChoice]:
    """The active sizes of a page's product and the one shown chosen.

    `wanted` (the `?size=` of a shared link) is a SKU or the label's slug; otherwise
    the first size in stock, or the first size when all are sold out.
    """
    sizes = [SizeChoice(v, product.currency) for v in product.active_sizes]
    wanted = (wanted or "").strip().lower()
    if wanted:
        for size in sizes:
            if wanted in (size.sku.lower(), slugify(size.label)):
                return sizes, size
    chosen = next((s for s in sizes if s.in_stock), sizes[0])
    return sizes, chosen


def related_products(
    *, product: Product, limit: int = RELATED_PRODUCTS, with_images: bool = True
) -> list[Product]:
    """Up to `limit` other active products from the same category or scent family.

    Same-category products come first. The query walks the primary key and stops after
    `limit` matches rather than sorting every match, which in a catalogue of 100,000
    products means thousands of rows.
    """
    same = Q(category_id=product.category_id)
    if product.scent_family:
        same |= Q(scent_family=product.scent_family)
    related = list(
        Product.objects.active()
        .filter(same)
        .exclude(pk=product.pk)
        .select_related("category")
        .order_by("pk")[:limit]
    )
    related.sort(key=lambda p: (p.category_id != product.category_id, p.name))
    if with_images:
        prefetch_related_objects(related, _images())
    return related


def product_page_images(products: list[Product]) -> None:
    """Load the images of all `products` (a product page and its related ones) at once."""
    prefetch_related_objects(products, _images())


@dataclass(frozen=True, slots=True)
class ProductLink:
    name: str
    url: str


@dataclass(slots=True)
class Ingredient:
    """A botanical for the home page: the note (origin, family, description) and products."""

    note: Note
    products: list[ProductLink] = field(default_factory=list)


def ingredient_notes(
    *,
    featured: Sequence[Product] = (),
    limit: int = INGREDIENT_NOTES,
    products_per_note: int = PRODUCTS_PER_INGREDIENT,
) -> list[Ingredient]:
    """Up to `limit` notes with a known origin, and up to `products_per_note` products each.

    Notes of the `featured` products (the ones the home page shows) come first, the most
    used first; if they are too few, notes that other active products use fill the list.
    At most two queries, whatever the catalogue's size: the featured products' notes, and
    the other notes with the names and addresses of their first few active products.
    """
    picked: dict[int, Ingredient] = {}
    if featured:
        uses: dict[int, int] = {}
        rows = (
            ProductNote.objects.filter(product__in=[p.pk for p in featured])
            .exclude(note__origin="")
            .select_related("note", "product")
            .order_by("product__name", "product_id")
        )
        for row in rows:
            entry = picked.setdefault(row.note_id, Ingredient(note=row.note))
            entry.products.append(
                ProductLink(name=row.product.name, url=row.product.get_absolute_url())
            )
            uses[row.note_id] = uses.get(row.note_id, 0) + 1
        ranked = sorted(picked.values(), key=lambda i: (-uses[i.note.pk], i.note.name))
        picked = {i.note.pk: i for i in ranked[:limit]}
        for entry in picked.values():
            del entry.products[products_per_note:]
    missing = limit - len(picked)
    if missing > 0:
        # For each other note, the names and slugs of its first few active products (by
        # when they were linked): scalar subqueries that walk the note's index and stop
        # after one match each, where ranking all of a popular note's rows would read
        # thousands of them.
        def nth_product(n: int, column: str) -> Subquery:
            return Subquery(
                ProductNote.objects.filter(
                    note=OuterRef("pk"), product__is_active=True, product__category__is_active=True
                )
                .order_by("pk")
                .values(f"product__{column}")[n : n + 1]
            )

        slots = range(products_per_note)
        columns = {f"product_{n}_{c}": nth_product(n, c) for n in slots for c in ("name", "slug")}
        extra = (
            Note.objects.exclude(origin="")
            .exclude(pk__in=list(picked))
            .annotate(**columns)
            .filter(product_0_slug__isnull=False)
            .order_by("name")[:missing]
        )
        for note in extra:
            links = [
                ProductLink(
                    name=getattr(note, f"product_{n}_name"),
                    url=reverse(
                        "catalog:product", kwargs={"slug": getattr(note, f"product_{n}_slug")}
                    ),
                )
                for n in slots
                if getattr(note, f"product_{n}_slug") is not None
            ]
            picked[note.pk] = Ingredient(note=note, products=links)
    return list(picked.values())


SUGGESTED_PRODUCTS = 8
SUGGESTED_TERMS = 5


@dataclass(frozen=True, slots=True)
class Suggestions:
    """What the header search offers while a shopper types (JSON for search-suggest.js)."""

    products: list[dict]
    terms: list[str]

    def as_json(self) -> dict:
        return {"products": self.products, "terms": self.terms}


def search_suggestions(text: str) -> Suggestions:
    """The best-matching products (at most 8) and catalogue words starting like the last
    word typed (categories, notes, moods), from the full-text index."""
    text = text.strip()[:100]
    words = search.words_of(text)
    if not words or len(text) < 2:
        return Suggestions(products=[], terms=[])
    products = list(
        _with_card_data(search.matching(Product.objects.active(), text)).order_by(
            "-search_rank", "name", "pk"
        )[:SUGGESTED_PRODUCTS]
    )
    last = words[-1]
    terms: list[str] = []
    for model in (Category, Note, Mood):
        names = model.objects.filter(name__istartswith=last).order_by("name")
        for name in names.values_list("name", flat=True)[:SUGGESTED_TERMS]:
            if name.lower() not in (t.lower() for t in terms):
                terms.append(name)
    return Suggestions(products=[_suggested(p) for p in products], terms=terms[:SUGGESTED_TERMS])


def _suggested(product: Product) -> dict:
    images = product.images.all()  # prefetched
    field = (images[0].thumbnail or images[0].image) if images else None
    picture = field.url if field else ""
    price = format_money(product.price, product.currency)
    return {
        "name": product.name,
        "url": product.get_absolute_url(),
        "price": f"from {price}" if product.price_varies else price,
        "image": picture,
    }
