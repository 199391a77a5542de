"""The product page offers its sizes: a radio group in the add-to-cart form that works
without JavaScript, sold-out sizes visible but not selectable, `?size=` to share one."""

from __future__ import annotations

import re

import pytest

from scent.catalog.models import Product, ProductVariant
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rose(db):
    return ProductFactory(
        name="Rose Otto",
        slug="rose-otto",
        variants=[
            {"label": "5 ml", "sku": "ROSE-5", "price": 650, "stock_quantity": 0},
            {
                "label": "10 ml",
                "sku": "ROSE-10",
                "price": 990,
                "compare_at_price": 1200,
                "stock_quantity": 3,
            },
            {"label": "30 ml", "sku": "ROSE-30", "price": 2200, "stock_quantity": 40},
        ],
    )


def _form(html: str) -> str:
    match = re.search(r'<form class="add-to-cart".*?</form>', html, re.S)
    assert match, "the add-to-cart form is missing"
    return match.group(0)


def _radio(form: str, sku: str) -> str:
    match = re.search(rf'<input type="radio"[^>]*data-sku="{sku}"[^>]*>', form, re.S)
    assert match, sku
    return match.group(0)


def test_sizes_are_a_radio_group_inside_the_add_to_cart_form(client, rose):
    form = _form(client.get("/products/rose-otto/").content.decode())

    assert "<legend>Size</legend>" in form
    labels = re.findall(r'<span class="size-label">([^<]+)</span>', form)
    assert labels == ["5 ml", "10 ml", "30 ml"]
    for variant in rose.variants.all():
        radio = _radio(form, variant.sku)
        assert 'name="variant_id"' in radio and f'value="{variant.pk}"' in radio


def test_a_sold_out_size_stays_visible_marked_and_not_selectable(client, rose):
    form = _form(client.get("/products/rose-otto/").content.decode())

    sold_out = _radio(form, "ROSE-5")
    assert " disabled" in sold_out and "checked" not in sold_out
    assert 'class="size-state"' in form and "Sold out" in form
    assert "checked" in _radio(form, "ROSE-10")  # the first size in stock is chosen


def test_the_chosen_size_sets_price_compare_at_stock_and_sku(client, rose):
    html = client.get("/products/rose-otto/").content.decode()

    assert "<span data-price-now>$9.90</span>" in html
    assert "$12.00" in html  # the 10 ml compare-at price
    assert "data-size-sku>ROSE-10</dd>" in html
    assert "Only 3 left" in html
    assert 'max="3"' in _form(html)


def test_a_shared_size_link_preselects_it_and_keeps_the_product_canonical(client, rose, settings):
    settings.APP_URL = "https://shop.example.com"

    html = client.get("/products/rose-otto/?size=rose-30").content.decode()

    assert "checked" in _radio(_form(html), "ROSE-30")
    assert "<span data-price-now>$22.00</span>" in html
    assert '<link rel="canonical" href="https://shop.example.com/products/rose-otto/">' in html
    by_label = client.get("/products/rose-otto/?size=30-ml").content.decode()
    assert "checked" in _radio(_form(by_label), "ROSE-30")


def test_an_unknown_size_in_the_link_falls_back_to_the_first_in_stock(client, rose):
    response = client.get("/products/rose-otto/?size=nope")

    assert response.status_code == 200
    assert "checked" in _radio(_form(response.content.decode()), "ROSE-10")


def test_switched_off_sizes_are_not_offered(client, rose):
    ProductVariant.objects.filter(sku="ROSE-30").update(is_active=False)

    form = _form(client.get("/products/rose-otto/").content.decode())

    assert "ROSE-30" not in form


def test_posting_the_chosen_size_without_javascript_adds_that_size(client, rose):
    # given the form exactly as rendered, with the 30 ml chosen
    form = _form(client.get("/products/rose-otto/").content.decode())
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    thirty = rose.variants.get(sku="ROSE-30")
    # when it is submitted
    response = client.post("/cart/add/", {**fields, "variant_id": thirty.pk, "quantity": 2})
    # then that size is in the cart at its price
    assert response.status_code == 302
    summary = client.get("/cart/").context["summary"]
    assert [(line.variant.sku, line.quantity, line.line_total) for line in summary.lines] == [
        ("ROSE-30", 2, 4400)
    ]


def test_a_product_with_one_size_has_no_choice_to_make(client):
    ProductFactory(name="Cedar Soap", slug="cedar-soap", size="100 g", sku="SOAP-1")

    html = client.get("/products/cedar-soap/").content.decode()

    assert "<legend>Size</legend>" not in html
    assert re.search(r'<input type="hidden" name="variant_id" value="\d+">', html)
    assert "<dt>Size</dt><dd>100 g</dd>" in html
    assert "js/sizes.js" not in html


def test_every_size_sold_out_shows_the_product_sold_out(client, rose):
    ProductVariant.objects.filter(product=rose).update(stock_quantity=0)
    from scent.catalog.inventory import refresh_product_summary

    refresh_product_summary(rose)

    html = client.get("/products/rose-otto/").content.decode()
    assert "<fieldset disabled>" in html
    assert Product.objects.get(pk=rose.pk).in_stock is False
    list_html = client.get("/products/?in_stock=1").content.decode()
    assert "Rose Otto" not in list_html


def test_the_list_sorts_and_filters_by_the_cheapest_size_in_stock(client, rose):
    # the 5 ml (6.50) is sold out, so the rose sells from 9.90
    ProductFactory(name="Basil", price=800)

    cheap_first = client.get("/products/?sort=price_asc").context["page"].object_list
    assert [p.name for p in cheap_first] == ["Basil", "Rose Otto"]
    under_nine = client.get("/products/?max_price=9").context["page"].object_list
    assert [p.name for p in under_nine] == ["Basil"]
