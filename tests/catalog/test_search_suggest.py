"""`GET /search/suggest/?q=`: what the header's search box offers while a shopper types."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scent.catalog import inventory, services
from tests.factories import (
    CategoryFactory,
    NoteFactory,
    ProductFactory,
    UserFactory,
    variant_of,
)

# Transactional: MariaDB indexes full-text changes only when they commit.
pytestmark = pytest.mark.django_db(transaction=True)

SUGGEST = reverse("catalog:suggest")


@pytest.fixture
def shelf():
    NoteFactory(name="Lavandin")
    oils = CategoryFactory(name="Oils", slug="oils")
    lavender = ProductFactory(
        name="Lavender Oil",
        category=oils,
        variants=[
            {"label": "5 ml", "sku": "LAV-5", "price": 650},
            {"label": "10 ml", "sku": "LAV-10", "price": 1250},
        ],
    )
    ProductFactory(name="Lavender Candle", category=oils, price=2200, sku="CA-LAV")
    ProductFactory(name="Cedar Candle", category=oils, price=2400, sku="CA-CED")
    return lavender


def test_typing_lists_matching_products_with_their_price_and_words(client, shelf):
    answer = client.get(SUGGEST, {"q": "lav"}).json()

    by_name = {p["name"]: p for p in answer["products"]}
    assert sorted(by_name) == ["Lavender Candle", "Lavender Oil"]
    assert by_name["Lavender Oil"] == {
        "name": "Lavender Oil",
        "url": "/products/lavender-oil/",
        "price": "from $6.50",
        "image": "",
    }
    assert answer["terms"] == ["Lavandin"]


def test_at_most_eight_products_are_offered(client):
    for n in range(12):
        ProductFactory(name=f"Lavender Blend {n}")

    assert len(client.get(SUGGEST, {"q": "lavender"}).json()["products"]) == 8


@pytest.mark.parametrize("q", ["", "l", "  ", "!!", "x" * 500])
def test_too_little_or_odd_input_gives_an_empty_answer_not_an_error(client, shelf, q):
    response = client.get(SUGGEST, {"q": q})

    assert response.status_code == 200
    if len(q.strip()) < 2 or not q.strip("!"):
        assert response.json() == {"products": [], "terms": []}


def test_the_answer_is_cached_yet_follows_the_catalogue(client, shelf, django_assert_num_queries):
    client.get(SUGGEST, {"q": "cedar"})
    with django_assert_num_queries(0):
        assert client.get(SUGGEST, {"q": "cedar"}).json()["products"]

    cedar = variant_of(shelf.category.products.get(name="Cedar Candle"))
    services.set_products_active(product_ids=[cedar.product_id], active=False)
    assert client.get(SUGGEST, {"q": "cedar"}).json()["products"] == []

    inventory.set_stock(variant=variant_of(shelf), quantity=0)  # sold out: still offered
    assert "Lavender Oil" in [
        p["name"] for p in client.get(SUGGEST, {"q": "lav"}).json()["products"]
    ]


def test_nothing_in_it_depends_on_who_asks(client, shelf):
    anonymous = client.get(SUGGEST, {"q": "lav"})
    client.force_login(UserFactory())
    signed_in = client.get(SUGGEST, {"q": "lav"})

    assert anonymous.json() == signed_in.json()
    assert "public" in anonymous["Cache-Control"]
    assert "csrftoken" not in anonymous.cookies and "sessionid" not in anonymous.cookies
