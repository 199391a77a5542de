# ruff: noqa: S608 - the SQL below is built from a constant table name; shopper text is a parameter
"""The catalogue's own vocabulary, and "Did you mean ...?" when a search finds nothing.

The vocabulary (`SearchTerm`) is every word of three letters or more that the active
products' names and search documents use, cut by the search's own tokenizer
(`search.tokens`), lowercased, letters only, leaving out whatever has a digit in it (SKUs
such as EO-LAV-10, sizes, numbers: no words to suggest), each with how many active
products use it.

How it is kept, and why this way:

- `rebuild()` makes it from scratch: one pass over the active products' names and
  documents (streamed, never all in memory) and one rewrite of the table, in a
  transaction, so readers see the old vocabulary or the new one. Exact counts; a word
  no product uses any more is gone. `scent search:reindex` (`search.reindex_all`) and
  migration catalog 0008 run it; it takes a few seconds for 100,000 products.
- `add_words_of(ids)` runs in the same transaction as every search document rewrite
  (`search.refresh_search_documents`: signals, services, seeding): the words of those
  products that the vocabulary lacks join it (counted among those products), so a new
  product's words are suggested at once. It costs two small queries per batch (three
  when it adds words: 1 ms for one product's save) and never rewrites the table; it does not recount the words it finds already there, nor take
  away the words a product stopped using, which would need each product's previous
  words (a table of product x word, millions of rows for 100,000 products, rewritten on
  every save) or a count over the whole index for every word of every save.
- Instead, a suggestion is only ever offered for words *live* products use: each
  candidate is checked against the full-text index over the active products before it
  is offered, and the corrected query as a whole must find products with the shopper's
  other filters. A word of a renamed, deactivated (also in bulk, which writes no search
  document) or deleted product is therefore never suggested, from the moment the change
  commits; the next rebuild takes it out of the table and makes the counts exact again
  (a counted word is only used to break ties between equally close words).

Finding the closest word (`did_you_mean`), bounded whatever the vocabulary's size:

- PostgreSQL: pg_trgm's `%` operator over a GIN trigram index on the word (migration
  0008; similarity 0.3 or more, pg_trgm.similarity_threshold), the 20 most similar;
- elsewhere: the 2,000 most used words of the same first letter whose length is within 2
  (an index range per length on (length, word)); failing that, for a typo in the first
  letter, the 300 most used words of each length within 1 (read in order off an index
  on (length, products)).

Then the Damerau-Levenshtein distance (optimal string alignment: a swap of two
neighbouring letters is one edit) in Python, at most 2 (1 for words of four letters or
fewer), the smallest distance first, then trigram similarity on PostgreSQL, then the
more used word. It is written here (twenty lines, cut off as soon as a row exceeds the
limit) because no edit-distance library is among the project's dependencies (rapidfuzz
would do it; one function is not worth a new compiled dependency). The answer is kept
per catalogue version (`page_cache.remember`), so a query costs its lookups once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable

from django.apps import apps as global_apps
from django.db import connection, transaction

from scent.catalog import search
from scent.core import page_cache

MIN_LENGTH = 3
MAX_LENGTH = 40  # SearchTerm.word's max_length; longer "words" are no one's typo
MAX_DISTANCE = 2
SHORT_WORD = 4  # words this long or shorter may be one edit off, not two
TRIGRAM_CANDIDATES = 20
FIRST_LETTER_CANDIDATES = 2000
ANY_LETTER_CANDIDATES = 300
CHECKED_CANDIDATES = 3  # closest words checked against live products, per word
MAX_QUERY = 200  # characters of a query looked at (the list's form takes 100)
BATCH = 1000


def vocabulary_words(text: str) -> set[str]:
    """The words of `text` the vocabulary keeps: letters only, none from an SKU."""
    return _reader()(text)


def _reader(cache_size: int = 200_000) -> Callable[[str], set[str]]:
    """`vocabulary_words` with a memory: the catalogue repeats its words (and its
    descriptions), so each distinct whitespace-separated piece ("oils.", "EO-LAV-10",
    "Steam-distilled") is cut by the search's tokenizer once per rebuild (4.0 -> 1.7 s
    of CPU for 100,000 products). A piece with a digit in it gives no word at all: an
    SKU, a size (30ml), a number."""
    cache: dict[str, tuple[str, ...]] = {}

    def piece_words(piece: str) -> tuple[str, ...]:
        words = cache.get(piece)
        if words is None:
            if any(c.isdigit() for c in piece):
                words = ()
            else:
                words = tuple(w for w in search.tokens(piece) if _keeps(w))
            if len(cache) < cache_size:
                cache[piece] = words
        return words

    def read(text: str) -> set[str]:
        found: set[str] = set()
        for piece in set(text.lower().split()):
            if piece.isalpha():  # most pieces: a word alone
                if MIN_LENGTH <= len(piece) <= MAX_LENGTH:
                    found.add(piece)
            else:
                found.update(piece_words(piece))
        return found

    return read


def _keeps(word: str) -> bool:
    return MIN_LENGTH <= len(word) <= MAX_LENGTH and word.isalpha()


def _models(apps):
    apps = apps or global_apps
    return apps.get_model("catalog", "Product"), apps.get_model("catalog", "SearchTerm")


# --- keeping it ---------------------------------------------------------------------


def rebuild(*, apps=None) -> int:
    """The vocabulary from scratch, from the active products; returns how many words."""
    Product, SearchTerm = _models(apps)
    counts: Counter[str] = Counter()
    rows = (
        Product.objects.filter(is_active=True)
        .order_by()
        .values_list("name", "search_text")
        .iterator(chunk_size=5000)
    )
    words_of = _reader()
    for name, text in rows:
        counts.update(words_of(f"{name} {text}"))
    terms = [SearchTerm(word=w, length=len(w), products=n) for w, n in counts.items()]
    with transaction.atomic():
        SearchTerm.objects.all().delete()
        # Conflicts only where the database's collation takes two words for one
        # (MariaDB's accent-insensitive "café" and "cafe"): the first one stays.
        SearchTerm.objects.bulk_create(terms, batch_size=BATCH, ignore_conflicts=True)
    return len(terms)


def add_words_of(product_ids: Iterable[int], *, apps=None) -> int:
    """Add the words of these products (the active ones) that the vocabulary lacks;
    returns how many. Call it in the transaction that wrote their search documents."""
    try:
        Product, SearchTerm = _models(apps)
    except LookupError:  # a migration's state from before the vocabulary (catalog 0006)
        return 0
    ids = list(product_ids)
    if not ids:
        return 0
    counts: Counter[str] = Counter()
    rows = Product.objects.filter(pk__in=ids, is_active=True).values_list("name", "search_text")
    words_of = _reader()
    for name, text in rows:
        counts.update(words_of(f"{name} {text}"))
    if not counts:
        return 0
    words = sorted(counts)
    known: set[str] = set()
    for start in range(0, len(words), BATCH):
        chunk = words[start : start + BATCH]
        known.update(SearchTerm.objects.filter(word__in=chunk).values_list("word", flat=True))
    new = [SearchTerm(word=w, length=len(w), products=counts[w]) for w in words if w not in known]
    # Two transactions adding the same new word: the first one's row stays.
    SearchTerm.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    return len(new)


# --- the distance -------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """The Damerau-Levenshtein distance between `a` and `b` (optimal string alignment),
    or `limit + 1` as soon as it is certainly more than `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current[j] = cost
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _allowed(word: str) -> int:
    return 1 if len(word) <= SHORT_WORD else MAX_DISTANCE


# --- the candidates -----------------------------------------------------------------


def _trigram_candidates(word: str) -> list[tuple[str, int, float]]:
    from scent.catalog.models import SearchTerm

    table = SearchTerm._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            # lower(word): the expression of the trigram index (migration 0008)
            f"SELECT word, products, similarity(lower(word), %s) AS sim FROM {table} "
            "WHERE lower(word) %% %s ORDER BY sim DESC, products DESC, word LIMIT %s",
            [word, word, TRIGRAM_CANDIDATES],
        )
        return [(w, n, float(sim)) for w, n, sim in cursor.fetchall()]


def _same_first_letter(word: str) -> list[tuple[str, int, float]]:
    from scent.catalog.models import SearchTerm

    n = len(word)
    lengths = [k for k in range(n - MAX_DISTANCE, n + MAX_DISTANCE + 1) if k >= MIN_LENGTH]
    rows = (
        SearchTerm.objects.filter(
            length__in=lengths, word__gte=word[0], word__lt=chr(ord(word[0]) + 1)
        )
        .order_by("-products", "word")
        .values_list("word", "products")[:FIRST_LETTER_CANDIDATES]
    )
    return [(w, used, 0.0) for w, used in rows]


def _most_used(word: str) -> list[tuple[str, int, float]]:
    """For a typo in the first letter: the most used words of about the same length, one
    length at a time (each read in order off (length, products): no sort)."""
    from scent.catalog.models import SearchTerm

    found = []
    for k in (len(word) - 1, len(word), len(word) + 1):
        if k >= MIN_LENGTH:
            rows = (
                SearchTerm.objects.filter(length=k)
                .order_by("-products", "pk")
                .values_list("word", "products")[:ANY_LETTER_CANDIDATES]
            )
            found += [(w, used, 0.0) for w, used in rows]
    return found


def _live(word: str) -> bool:
    """Some active product has this word (a stale vocabulary word is never offered)."""
    from scent.catalog.models import Product

    return search.matching(Product.objects.active(), word).exists()


def closest_word(word: str) -> str | None:
    """The vocabulary word closest to `word` that active products use, or None."""
    if connection.vendor == "postgresql":
        return _closest(word, _trigram_candidates(word))
    return _closest(word, _same_first_letter(word)) or _closest(word, _most_used(word))


def _closest(word: str, candidates: list[tuple[str, int, float]]) -> str | None:
    limit = _allowed(word)
    ranked = []
    for candidate, used, similarity in candidates:
        distance = edit_distance(word, candidate, limit)
        if candidate != word and distance <= limit:
            ranked.append((distance, -similarity, -used, candidate))
    ranked.sort()
    for *_rank, candidate in ranked[:CHECKED_CANDIDATES]:
        if _live(candidate):
            return candidate
    return None


# --- the suggestion -----------------------------------------------------------------


def _prefix_of_a_word(word: str) -> bool:
    """Search matches words by their beginning: "lav" is no typo of "lavender"."""
    from scent.catalog.models import SearchTerm

    after = word[:-1] + chr(ord(word[-1]) + 1)
    return SearchTerm.objects.filter(word__gt=word, word__lt=after).exists()


def _corrected(words: list[str], filters) -> str:
    from scent.catalog.models import SearchTerm
    from scent.catalog.selectors import ProductFilters, product_list

    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    corrected = []
    for word in words:
        better = None
        if word not in known and _keeps(word) and not _prefix_of_a_word(word):
            better = closest_word(word)
        corrected.append(better or word)
    if corrected == words:
        return ""
    text = " ".join(corrected)
    narrowed = dataclasses.replace(filters or ProductFilters(), q=text)
    return text if product_list(filters=narrowed).exists() else ""


def did_you_mean(text: str, *, filters=None) -> str | None:
    """The query with each word the catalogue does not know replaced by its closest
    vocabulary word, when that finds products (with the other `filters`, a
    `ProductFilters`, when given); else None. Kept per catalogue version."""
    words = search.words_of((text or "")[:MAX_QUERY])
    if not words:
        return None
    others = dataclasses.replace(filters, q="").cache_key if filters is not None else ""
    answer = page_cache.remember(
        "did-you-mean", f"{others}|{' '.join(words)}", lambda: _corrected(words, filters)
    )
    return answer or None  # "" (no suggestion) is kept too: the cache skips a None
