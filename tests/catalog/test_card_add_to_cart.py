"""Shoppers add to the cart straight from a product list card and stay on the list."""

import re

import pytest

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_list_card_adds_one_to_the_cart_and_returns_to_the_same_list(client):
    # given a list page filtered and on a sort order
    product = ProductFactory(name="Lavender Oil", stock_quantity=3)
    list_url = "/products/?sort=name"
    page = client.get(list_url).content.decode()
    # when the shopper presses the card's "Add to cart" (the form as rendered)
    form = re.search(
        r'<form class="card-add" method="post" action="([^"]+)">(.*?)</form>', page, re.S
    )
    assert form, "the card has an add-to-cart form"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    response = client.post(form.group(1), fields)
    # then they are back on the same list, with the product in the cart count
    assert response.status_code == 302
    assert response["Location"] == list_url
    after = client.get(list_url).content.decode()
    assert re.search(r"data-cart-count>1</span>", after)
    assert "Added Lavender Oil (10 ml) to your cart." in after
    assert fields["product_id"] == str(product.pk)


def test_sold_out_card_has_no_add_button(client):
    ProductFactory(name="Rose Absolute", stock_quantity=0)
    page = client.get("/products/").content.decode()
    assert "Rose Absolute" in page
    assert 'class="card-add"' not in page


def test_a_card_of_a_product_with_sizes_leads_to_its_page_to_choose(client):
    # given an oil in two sizes at different prices
    ProductFactory(
        name="Neroli",
        variants=[
            {"label": "5 ml", "sku": "NER-5", "price": 1490},
            {"label": "10 ml", "sku": "NER-10", "price": 2490},
        ],
    )
    # when a shopper looks at the list
    page = client.get("/products/").content.decode()
    # then the card says "from" the cheapest size and links to the page instead of adding
    card = re.search(r'<li class="product-card">.*?Neroli.*?</li>', page, re.S).group(0)
    assert "from </span>" in card and "$14.90" in card
    assert 'class="card-add"' not in card
    assert 'href="/products/neroli/">Choose a size' in card


def test_a_card_of_sizes_at_one_price_does_not_say_from(client):
    ProductFactory(
        name="Soap",
        variants=[
            {"label": "Single bar", "sku": "SOAP-1", "price": 600},
            {"label": "Pack of 3", "sku": "SOAP-3", "price": 600},
        ],
    )
    page = client.get("/products/").content.decode()
    assert "from </span>" not in page
