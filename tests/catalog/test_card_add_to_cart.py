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
    after = client.get(list_url)
    assert after.context["cart_count"]() == 1  # the context processor is lazy
    assert "Added Lavender Oil to your cart." in after.content.decode()
    assert fields["product_id"] == str(product.pk)


def test_sold_out_card_has_no_add_button(client):
    ProductFactory(name="Rose Absolute", stock_quantity=0)
    page = client.get("/products/").content.decode()
    assert "Rose Absolute" in page
    assert 'class="card-add"' not in page
