"""The home page's "about the ingredients" section: notes with an origin and their products."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scent.catalog import selectors
from scent.catalog.models import ScentFamily
from tests.factories import CategoryFactory, NoteFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def botanical(name: str, origin: str = "Provence, France", **kwargs):
    return NoteFactory(name=name, origin=origin, description=f"{name}, gently", **kwargs)


def shown(ingredients) -> list[tuple[str, list[str]]]:
    return [(i.note.name, [p.name for p in i.products]) for i in ingredients]


def test_notes_of_featured_products_come_first_most_used_first():
    lavender, vetiver = botanical("Lavender"), botanical("Vetiver", "Les Cayes, Haiti")
    no_origin = NoteFactory(name="Musk")
    oil = ProductFactory(
        name="Sleep oil", is_featured=True, with_notes={"top": [lavender, no_origin]}
    )
    candle = ProductFactory(
        name="Calm candle", is_featured=True, with_notes={"top": [lavender], "base": [vetiver]}
    )

    ingredients = selectors.ingredient_notes(featured=[oil, candle])

    assert shown(ingredients) == [
        ("Lavender", ["Calm candle", "Sleep oil"]),
        ("Vetiver", ["Calm candle"]),
    ]
    assert ingredients[1].note.origin == "Les Cayes, Haiti"


def test_other_active_products_fill_the_list_but_hidden_ones_do_not():
    hidden = CategoryFactory(name="Hidden", is_active=False)
    lavender, rose = botanical("Lavender"), botanical("Rose", family=ScentFamily.FLORAL)
    only_hidden = botanical("Oud")
    unused = botanical("Yuzu")  # noqa: F841 - used by no product
    featured = ProductFactory(name="Sleep oil", is_featured=True, with_notes={"top": [lavender]})
    for n in range(5):
        ProductFactory(name=f"Rose water {n}", with_notes={"heart": [rose]})
    ProductFactory(name="Switched off", is_active=False, with_notes={"top": [only_hidden]})
    ProductFactory(name="In hidden category", category=hidden, with_notes={"top": [only_hidden]})

    ingredients = selectors.ingredient_notes(featured=[featured], limit=6, products_per_note=3)

    assert shown(ingredients) == [
        ("Lavender", ["Sleep oil"]),
        ("Rose", ["Rose water 0", "Rose water 1", "Rose water 2"]),
    ]


def test_at_most_limit_notes_and_products_per_note():
    notes = [botanical(f"Note {n:02d}") for n in range(9)]
    featured = [
        ProductFactory(name=f"Blend {n}", is_featured=True, with_notes={"top": notes})
        for n in range(5)
    ]

    ingredients = selectors.ingredient_notes(featured=featured, limit=6, products_per_note=3)

    assert len(ingredients) == 6
    assert all(len(i.products) == 3 for i in ingredients)
    assert [i.note.name for i in ingredients] == [f"Note {n:02d}" for n in range(6)]


def test_two_queries_however_many_products_use_the_notes():
    lavender, rose = botanical("Lavender"), botanical("Rose")
    featured = ProductFactory(name="Sleep oil", is_featured=True, with_notes={"top": [lavender]})
    for _ in range(3):
        ProductFactory(with_notes={"top": [rose]})
    with CaptureQueriesContext(connection) as small:
        selectors.ingredient_notes(featured=[featured])
    for _ in range(30):
        ProductFactory(with_notes={"top": [rose, lavender]})
    with CaptureQueriesContext(connection) as large:
        ingredients = selectors.ingredient_notes(featured=[featured])

    assert len(small) == len(large) == 2
    assert [len(i.products) for i in ingredients] == [1, 3]


def test_home_page_shows_where_botanicals_grow_and_links_to_their_products(client):
    lavender = botanical("Lavender", family=ScentFamily.FLORAL)
    product = ProductFactory(
        name="Lavender Essential Oil", is_featured=True, with_notes={"top": [lavender]}
    )

    body = client.get("/").content.decode()

    assert "Where our botanicals grow" in body
    assert "Provence, France" in body
    assert "swatch-floral" in body
    assert f'href="{product.get_absolute_url()}">Lavender Essential Oil</a>' in body
    assert 'href="/products/?q=Lavender">Shop lavender' in body


def test_home_page_without_botanicals_leaves_the_section_out(client):
    ProductFactory(is_featured=True, with_notes={"top": [NoteFactory(name="Musk")]})

    assert "Where our botanicals grow" not in client.get("/").content.decode()


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "customer"])
def test_home_page_with_every_section_filled_stays_within_ten_queries(
    client, django_assert_max_num_queries, signed_in
):
    notes = [botanical(f"Note {n:02d}") for n in range(8)]
    for n in range(10):
        ProductFactory(is_featured=n < 2, with_notes={"top": notes[n % 8 : n % 8 + 2]})
    if signed_in:
        client.force_login(UserFactory())

    with django_assert_max_num_queries(10):
        response = client.get("/")

    assert response.content.decode().count('class="ingredient"') == 6
