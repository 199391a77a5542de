"""The list's note filter, its relevance and rating sorts, and deep pages that show what a
plain OFFSET would, in the same order, on every sort."""

from __future__ import annotations

import importlib
import itertools
import re
from html import unescape

import pytest
from django.apps import apps as global_apps
from django.db import connection

from scent.catalog import ratings
from scent.catalog.models import Product, ScentFamily
from scent.catalog.selectors import SORTS, ProductFilters, product_list, product_pages
from scent.marketing import services
from scent.marketing.models import Review, ReviewStatus
from tests.factories import (
    CategoryFactory,
    MoodFactory,
    NoteFactory,
    ProductFactory,
    UserFactory,
)
from tests.orders.support import race

pytestmark = pytest.mark.django_db


def card_names(response) -> list[str]:
    assert response.status_code == 200
    return [p.name for p in response.context["page"].object_list]


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def review(product, rating: int, *, status=ReviewStatus.APPROVED) -> Review:
    return Review.objects.create(
        product=product, user=UserFactory(), rating=rating, body="Lovely.", status=status
    )


# --- note filter ---------------------------------------------------------------------


@pytest.fixture
def notes_shelf():
    calm = MoodFactory(name="Calm", slug="calm")
    lavender, cedar = NoteFactory(name="Lavender"), NoteFactory(name="Cedarwood")
    ProductFactory(name="Lavender Oil", with_notes={"top": [lavender]}, moods=[calm])
    ProductFactory(name="Lavender Candle", with_notes={"heart": [lavender, cedar]})
    ProductFactory(name="Cedar Candle", with_notes={"base": [cedar]}, moods=[calm])
    ProductFactory(name="Orange Oil")
    return {"lavender": lavender, "cedar": cedar, "calm": calm}


def test_the_note_filter_narrows_the_list_to_the_products_with_that_note(client, notes_shelf):
    # given products with and without the cedarwood note
    # when the list is filtered by it
    response = client.get("/products/?note=cedarwood&sort=name")
    # then only the products with cedarwood are listed, and the filter shows as a chip
    assert card_names(response) == ["Cedar Candle", "Lavender Candle"]
    html = response.content.decode()
    assert 'href="?sort=name">Cedarwood<span class="visually-hidden">: remove this filter' in html
    assert '<option value="cedarwood" selected>Cedarwood</option>' in html


def test_the_note_filter_combines_with_the_mood_filter(client, notes_shelf):
    # given cedarwood products, one of them calm
    # when the list is filtered by the note and the mood
    response = client.get("/products/?note=cedarwood&mood=calm")
    # then only the product with both is listed
    assert card_names(response) == ["Cedar Candle"]


# Transactional: MariaDB indexes full-text changes only when they commit.
@pytest.mark.django_db(transaction=True)
def test_the_note_filter_combines_with_search(client, notes_shelf):
    # given two products called lavender, one of them with the cedarwood note
    # when a search for lavender is filtered by cedarwood
    response = client.get("/products/?q=lavender&note=cedarwood")
    # then the one with both is listed
    assert card_names(response) == ["Lavender Candle"]
    assert not response.context["form"].errors


def test_an_unknown_note_is_explained_and_ignored(client, notes_shelf):
    # when the list is asked for a note that does not exist
    response = client.get("/products/?note=patchouli")
    # then the page says so and lists every product (no server error)
    assert "Note: There is no note “patchouli”." in text(response)
    assert len(card_names(response)) == 4


def test_the_kept_count_is_per_note(notes_shelf):
    # given the same filters but for the note
    lavender = ProductFilters(note=notes_shelf["lavender"])
    cedar = ProductFilters(note=notes_shelf["cedar"])
    # then they are counted under different keys, and a note narrows the list
    assert lavender.cache_key != cedar.cache_key != ProductFilters().cache_key
    assert lavender.narrowed


# --- relevance sort ------------------------------------------------------------------


@pytest.fixture
def lavender_shelf():
    ProductFactory(name="A Pillow Mist", short_description="Lavender and chamomile.")
    ProductFactory(name="Lavender Oil")
    ProductFactory(name="Zest Oil", is_featured=True)


@pytest.mark.django_db(transaction=True)
def test_relevance_puts_the_best_match_first_in_a_search(client, lavender_shelf):
    # given a product named lavender and one that only mentions it
    # when a search for lavender is sorted by relevance, or not sorted at all
    by_relevance = client.get("/products/?q=lavender&sort=relevance")
    by_default = client.get("/products/?q=lavender")
    # then the name match comes first, and the search's menu offers "Best match" first
    assert card_names(by_relevance) == ["Lavender Oil", "A Pillow Mist"]
    assert card_names(by_default) == card_names(by_relevance)
    html = by_default.content.decode()
    assert re.search(r'<select name="sort"[^>]*>\s*<option value="relevance"', html)
    assert 'value="featured"' not in html


def test_relevance_without_a_search_is_the_featured_order(client, lavender_shelf):
    # when the plain list is asked for relevance
    response = client.get("/products/?sort=relevance")
    # then it is the featured order, with no error, and the menu offers no "Best match"
    assert card_names(response) == card_names(client.get("/products/"))
    assert card_names(response)[0] == "Zest Oil"
    assert not response.context["form"].errors
    assert 'value="relevance"' not in response.content.decode()


# --- rating sort ---------------------------------------------------------------------


@pytest.fixture
def rated():
    products = {name: ProductFactory(name=name) for name in ("Amber", "Birch", "Cedar", "Dill")}
    for rating in (5, 4):  # 4.50 from two reviews
        review(products["Birch"], rating)
    review(products["Cedar"], 5)  # 5.00 from one
    for rating in (5, 4, 5, 4):  # 4.50 from four: before Birch's 4.50 from two
        review(products["Dill"], rating)
    review(products["Amber"], 5, status=ReviewStatus.PENDING)  # not counted yet
    return products


def test_the_rating_sort_puts_the_best_rated_first_then_the_most_reviewed(client, rated):
    # given approved reviews (and one pending)
    # when the list is sorted by rating
    response = client.get("/products/?sort=rating")
    # then the highest average comes first, the most reviewed first among equals, and
    # products without approved reviews last
    assert card_names(response) == ["Cedar", "Dill", "Birch", "Amber"]
    dill = Product.objects.get(name="Dill")
    assert (dill.rating_average, dill.review_count) == (450, 4)


def test_approving_a_review_moves_its_product_and_the_shopper_sees_it_at_once(client, rated):
    # given the list sorted by rating, served from the shared page cache
    assert card_names(client.get("/products/?sort=rating"))[-1] == "Amber"
    assert client.get("/products/?sort=rating").templates == []  # the kept page
    # when Amber's 5-star review is approved
    services.reviews_moderate(
        reviews=Review.objects.filter(product__name="Amber"), status=ReviewStatus.APPROVED
    )
    # then Amber is at the top of a freshly rendered page (never the old order)
    response = client.get("/products/?sort=rating")
    assert response.templates  # rendered afresh
    assert card_names(response) == ["Amber", "Cedar", "Dill", "Birch"]


def test_rejecting_editing_and_deleting_reviews_take_them_out_of_the_rating(rated):
    # given Cedar's approved 5-star review and Dill's four
    cedar, dill, birch = (Product.objects.get(name=n) for n in ("Cedar", "Dill", "Birch"))
    # when Cedar's is rejected, one of Dill's deleted, and Birch's 4-star one edited
    services.reviews_moderate(reviews=cedar.reviews.all(), status=ReviewStatus.REJECTED)
    dill.reviews.filter(rating=4).first().delete()
    birch_review = birch.reviews.get(rating=4)
    Review.objects.filter(pk=birch_review.pk).update(status=ReviewStatus.PENDING)
    ratings.refresh_product_rating(birch.pk)
    # then each product's summary counts only what is still approved
    summary = dict(
        Product.objects.filter(name__in=["Cedar", "Dill", "Birch"]).values_list(
            "name", "rating_average"
        )
    )
    counts = dict(Product.objects.values_list("name", "review_count"))
    assert summary == {"Cedar": 0, "Dill": 467, "Birch": 500}
    assert (counts["Cedar"], counts["Dill"], counts["Birch"]) == (0, 3, 1)


def test_an_edited_review_waits_for_moderation_outside_the_rating(rated, monkeypatch):
    # given Cedar's approved review, written by a buyer
    cedar = Product.objects.get(name="Cedar")
    mine = cedar.reviews.get()
    monkeypatch.setattr(services.selectors, "customer_bought_product", lambda **kw: True)
    # when its author edits it
    services.review_save(user=mine.user, product=cedar, rating=1, body="Changed my mind.")
    # then it no longer counts until it is approved again
    cedar.refresh_from_db()
    assert (cedar.rating_average, cedar.review_count) == (0, 0)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_reviews_of_one_product_approved_at_once_all_count():
    # given eight pending reviews of one product
    product = ProductFactory(name="Amber")
    ids = [review(product, 1 + n % 5, status=ReviewStatus.PENDING).pk for n in range(8)]
    # when eight moderators each approve one at the same moment
    results = race(
        8,
        lambda i: services.reviews_moderate(
            reviews=Review.objects.filter(pk=ids[i]), status=ReviewStatus.APPROVED
        ),
    )
    # then every approval went through and the summary counts all eight
    assert results == [1] * 8, results
    product.refresh_from_db()
    assert (product.review_count, product.rating_average) == (8, 263)  # 21 / 8 = 2.625


def test_the_average_is_kept_in_hundredths_rounded_half_up():
    assert ratings.rating_hundredths(13, 3) == 433  # 4.333...
    assert ratings.rating_hundredths(161, 40) == 403  # 4.025
    assert ratings.rating_hundredths(9, 8) == 113  # 1.125
    assert ratings.rating_hundredths(0, 0) == 0


def test_the_migration_fills_the_rating_from_the_approved_reviews_there_are(rated):
    # given products whose summary was never computed
    Product.objects.update(rating_average=0, review_count=0)
    migration = importlib.import_module("scent.catalog.migrations.0009_rating_and_note_filter")
    # when the migration's data step runs
    migration.fill_ratings(global_apps, None)
    # then each product has the count and average of its approved reviews
    assert dict(Product.objects.values_list("name", "rating_average")) == {
        "Amber": 0,
        "Birch": 450,
        "Cedar": 500,
        "Dill": 450,
    }
    assert Product.objects.get(name="Dill").review_count == 4


def test_the_catalogue_reads_the_approved_status_of_marketing():
    assert ratings.APPROVED == ReviewStatus.APPROVED


# --- deep pages ----------------------------------------------------------------------


@pytest.fixture
def many():
    """45 products with ties in every sort key (names, prices, featured, ratings)."""
    oils = CategoryFactory(name="Oils")
    calm = MoodFactory(name="Calm")
    cedar = NoteFactory(name="Cedarwood")
    made = []
    for n in range(45):
        product = ProductFactory(
            name=f"Oil {n % 7}",
            slug=f"oil-{n}",
            category=oils,
            price=1000 + (n % 5) * 100,
            is_featured=n % 4 == 0,
            stock_quantity=n % 6,
            scent_family=ScentFamily.CITRUS if n % 3 else ScentFamily.WOODY,
            moods=[calm] if n % 2 else [],
            with_notes={"base": [cedar]} if n % 3 != 1 else None,
        )
        made.append(product)
    Product.objects.filter(pk__in=[p.pk for p in made[::3]]).update(
        rating_average=450, review_count=2
    )
    Product.objects.filter(pk__in=[p.pk for p in made[1::5]]).update(
        rating_average=450, review_count=5
    )
    return {"oils": oils, "calm": calm, "cedar": cedar}


def _filter_sets(many) -> dict[str, dict]:
    return {
        "none": {},
        "category": {"category": many["oils"]},
        "family": {"family": ScentFamily.CITRUS},
        "mood": {"mood": many["calm"]},
        "note": {"note": many["cedar"]},
        "price range": {"min_price": 1100, "max_price": 1300},
        "in stock": {"in_stock": True},
    }


def test_each_page_of_each_sort_is_what_a_plain_offset_gives(many):
    # given products that tie on every sort key
    for (name, narrowing), sort in itertools.product(_filter_sets(many).items(), SORTS):
        filters = ProductFilters(sort=sort, **narrowing)
        plain = [p.pk for p in product_list(filters=filters)]
        # when every page of 12 is read the way the list reads it
        paged = []
        for start in range(0, len(plain) + 12, 12):
            paged += [p.pk for p in product_pages(filters=filters)[start : start + 12]]
        # then the pages together are the plain list, in its order, nothing repeated
        assert paged == plain, (name, sort)
        # and one deep page is exactly the plain OFFSET's rows
        deep = [p.pk for p in product_pages(filters=filters)[24:36]]
        assert deep == [p.pk for p in product_list(filters=filters)[24:36]], (name, sort)


@pytest.mark.django_db(transaction=True)
def test_a_deep_page_of_a_search_is_what_a_plain_offset_gives(many):
    # given a search that matches every product, in each sort
    for sort in SORTS:
        filters = ProductFilters(q="oil", sort=sort)
        plain = [p.pk for p in product_list(filters=filters)]
        assert len(plain) == 45
        # when its pages are read the way the list reads them
        pages = product_pages(filters=filters)
        paged = [p.pk for start in range(0, 48, 12) for p in pages[start : start + 12]]
        # then they are the plain list in its order
        assert paged == plain, sort


def test_the_deep_page_of_the_list_shows_its_products_with_their_category(
    client, many, settings, django_assert_max_num_queries
):
    # given 12 products a page
    settings.SHOP_PRODUCTS_PER_PAGE = 12
    settings.PAGE_CACHE_SECONDS = 0
    expected = [p.name for p in product_list(filters=ProductFilters(sort="price_desc"))[36:48]]
    # when the last page of the list is opened, as ?page=4 (categories, moods and notes,
    # the count, the products, their pictures; MariaDB reads a deep page's keys and its
    # rows in two statements, see ProductPages)
    with django_assert_max_num_queries(6 if connection.vendor == "mysql" else 5):
        response = client.get("/products/?sort=price_desc&page=4")
    # then it shows the products the plain OFFSET finds, in that order
    assert card_names(response) == expected
    assert "page 4 of 4" in text(response)
    assert response.context["page"].object_list[0].category.name == "Oils"
