"""A typo still helps: when a search finds nothing, the list offers "Did you mean ...?"
from the catalogue's own vocabulary (scent.catalog.vocabulary), a link that finds what
was meant. Transactional: MariaDB indexes full-text changes only when they commit; runs on
SQLite, MariaDB and PostgreSQL (pg_trgm there)."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.core.management import call_command

from scent.catalog import services, vocabulary
from scent.catalog.models import Product, SearchTerm
from tests.factories import CategoryFactory, MoodFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUGGESTION = re.compile(r'<p class="did-you-mean">Did you mean <a href="([^"]*)">([^<]*)</a>\?</p>')


@pytest.fixture
def shelf():
    oils = CategoryFactory(name="Essential oils", slug="essential-oils")
    candles = CategoryFactory(name="Candles", slug="candles")
    calm = MoodFactory(name="Calm")
    ProductFactory(
        name="Lavender Essential Oil",
        category=oils,
        short_description="Relaxing oils for sleep.",
        description="Steam-distilled in Provence.",
        sku="EO-LAV-10",
        moods=[calm],
    )
    ProductFactory(
        name="Lavender Pillow Mist",
        category=oils,
        short_description="Lavender and chamomile for the pillow.",
        description="A gentle mist.",
        sku="MI-SLP-50",
    )
    ProductFactory(
        name="Cedar Candle",
        category=candles,
        short_description="Smoky woods.",
        description="Hand-poured soy wax.",
        sku="CA-CED-200",
    )


def search_page(client, query: str) -> str:
    response = client.get(f"/products/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def suggestion(page: str) -> tuple[str, str] | None:
    """(link, text) of the page's "Did you mean", as a shopper follows and reads it."""
    found = SUGGESTION.search(page)
    return (html.unescape(found.group(1)), html.unescape(found.group(2))) if found else None


def product_names(page: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"><a[^>]*>([^<]+)</a>', page)


def test_a_typo_offers_the_catalogues_spelling_and_its_link_finds_the_products(client, shelf):
    # Given a catalogue that sells lavender
    # When a shopper searches for "lavendr"
    page = search_page(client, "q=lavendr")

    # Then nothing matches, and the page offers the catalogue's own spelling
    assert "No products match “lavendr”" in page
    link, text = suggestion(page)
    assert text == "lavender"
    assert link == "?q=lavender"
    # and following it finds the lavender products
    found = search_page(client, link[1:])
    assert suggestion(found) is None
    assert "No products match" not in found
    assert "Lavender Essential Oil" in found
    assert "Lavender Pillow Mist" in found
    assert "Cedar Candle" not in found


def test_only_the_misspelt_word_is_corrected_and_the_other_filters_are_kept(client, shelf):
    # When a shopper searches "lavender sleeep", sorted by price, in stock only, on page 2
    page = search_page(client, "q=lavender+sleeep&sort=price_asc&in_stock=1&page=2")

    # Then "sleep" is offered for "sleeep" alone, with the same sort and filter
    link, text = suggestion(page)
    assert text == "lavender sleep"
    assert "q=lavender+sleep" in link
    assert "sort=price_asc" in link
    assert "in_stock=1" in link
    assert "page=" not in link
    assert product_names(search_page(client, link[1:])) == ["Lavender Essential Oil"]


def test_a_transposed_or_wrong_first_letter_is_a_typo_too(shelf):
    assert vocabulary.did_you_mean("lvaender") == "lavender"
    assert vocabulary.did_you_mean("kavender") == "lavender"
    assert vocabulary.did_you_mean("Candel") == "candle"


def test_a_word_nobody_sells_gives_no_suggestion(client, shelf):
    page = search_page(client, "q=xylophone")

    assert "No products match “xylophone”" in page
    assert suggestion(page) is None
    assert vocabulary.did_you_mean("bergamot") is None  # no product has it, even misspelt


def test_a_correction_that_would_still_find_nothing_is_not_offered(client, shelf):
    # "candle" is a word of the shop, but no lavender candle is sold
    assert suggestion(search_page(client, "q=lavender+candel")) is None
    # nor is a candle among the essential oils
    assert suggestion(search_page(client, "q=candel&category=essential-oils")) is None
    assert suggestion(search_page(client, "q=candel&category=candles")) == (
        "?q=candle&category=candles",
        "candle",
    )


def test_a_search_with_matches_shows_no_suggestion(client, shelf):
    page = search_page(client, "q=lavender")

    assert suggestion(page) is None
    assert "Did you mean" not in page
    assert sorted(product_names(page)) == ["Lavender Essential Oil", "Lavender Pillow Mist"]


def test_a_renamed_products_old_word_is_no_longer_suggested(client, shelf):
    # Given a product whose name has a word no other product uses
    bergamot = ProductFactory(name="Bergamot Bright", short_description="Citrus.")
    assert suggestion(search_page(client, "q=bergamt"))[1] == "bergamot"

    # When it is renamed
    bergamot.name = "Sunny Bright"
    bergamot.save()

    # Then its old word is offered no more, its new one is
    assert suggestion(search_page(client, "q=bergamt")) is None
    assert suggestion(search_page(client, "q=sunnny"))[1] == "sunny"
    # and the next rebuild takes the old word out of the vocabulary
    call_command("search_reindex")
    assert not SearchTerm.objects.filter(word="bergamot").exists()
    assert SearchTerm.objects.filter(word="sunny").exists()


@pytest.mark.parametrize("how", ["saved", "in bulk"])
def test_a_deactivated_products_word_is_no_longer_suggested(client, shelf, how):
    patchouli = ProductFactory(name="Patchouli Dream", short_description="Earthy.")
    assert suggestion(search_page(client, "q=patchuli"))[1] == "patchouli"

    if how == "saved":
        patchouli.is_active = False
        patchouli.save()
    else:  # the admin's bulk action writes no search document
        services.set_products_active(product_ids=[patchouli.pk], active=False)

    assert suggestion(search_page(client, "q=patchuli")) is None
    vocabulary.rebuild()
    assert not SearchTerm.objects.filter(word="patchouli").exists()


def test_a_new_products_words_are_suggested_at_once(client, shelf):
    ProductFactory(name="Vetiver Roots", short_description="Smoky and green.")

    assert suggestion(search_page(client, "q=vetivr"))[1] == "vetiver"


def test_of_two_equally_close_words_the_more_used_one_is_offered(shelf):
    # "minst" is one letter off both "mist" (two products) and "mint" (one)
    ProductFactory(name="Mint Leaf", short_description="Cool.")
    ProductFactory(name="Morning Mist", short_description="Dew.")
    vocabulary.rebuild()  # exact counts (new products only add the words they bring)
    assert SearchTerm.objects.get(word="mist").products == 2
    assert SearchTerm.objects.get(word="mint").products == 1

    assert vocabulary.did_you_mean("minst") == "mist"


def test_the_vocabulary_is_the_active_catalogues_words_of_three_letters_or_more(shelf):
    Product.objects.filter(name="Cedar Candle").update(is_active=False)

    vocabulary.rebuild()

    words = dict(SearchTerm.objects.values_list("word", "products"))
    assert words["lavender"] == 2
    assert words["oils"] == 2 and words["calm"] == 1
    assert "cedar" not in words and "smoky" not in words  # only the inactive product's
    assert not {"eo", "lav", "10", "a", "in"} & set(words)  # SKU parts, numbers, short words


def test_the_answer_is_kept_until_the_catalogue_changes(shelf, django_assert_num_queries):
    assert vocabulary.did_you_mean("lavendr") == "lavender"
    with django_assert_num_queries(0):
        assert vocabulary.did_you_mean("Lavendr!") == "lavender"  # the same words
    assert vocabulary.did_you_mean("xylophone") is None
    with django_assert_num_queries(0):
        assert vocabulary.did_you_mean("xylophone") is None  # "no suggestion" is kept too


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "lavendr" * 15_000,  # 100 kB
        "q=lavendr%00",
        "q=%3Cscript%3Ealert(1)%3C/script%3Elavendr",
        "q=lavendr%22%3E%3Cimg+src=x+onerror=alert(1)%3E",
        "q=%E2%80%AE%F0%9F%8C%B8lavendr",
    ],
    ids=["100 kB", "NUL", "script", "attribute", "bidi and emoji"],
)
def test_hostile_input_is_answered_and_escaped(client, shelf, query):
    page = search_page(client, query)

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    found = suggestion(page)
    if found:
        link, text = found
        assert "lavender" in text
        assert re.fullmatch(r"[\w ]+", text)
        assert link.startswith("?q=")


def test_hostile_text_costs_little_without_the_form(shelf):
    started = time.monotonic()
    assert vocabulary.did_you_mean("x" * 100_000) is None
    assert vocabulary.did_you_mean("\x00" * 100_000) is None
    assert vocabulary.did_you_mean("lavendr\x00") == "lavender"
    assert vocabulary.did_you_mean("<b>lavendr</b>") in (None, "b lavender b")
    assert time.monotonic() - started < 5


def test_the_edit_distance_counts_a_swap_as_one_edit():
    assert vocabulary.edit_distance("lavender", "lavender") == 0
    assert vocabulary.edit_distance("lavendr", "lavender") == 1
    assert vocabulary.edit_distance("lvaender", "lavender") == 1
    assert vocabulary.edit_distance("sleeep", "sleep") == 1
    assert vocabulary.edit_distance("lvendr", "lavender") == 2
    assert vocabulary.edit_distance("xylophone", "lavender") == 3  # beyond the limit: 3
