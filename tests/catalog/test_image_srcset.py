"""Product pictures come with their size and a choice of widths (`srcset`), so a phone
loads the 480 px thumbnail and a wide screen the full picture, without layout shifts."""

from __future__ import annotations

import re

import pytest

from tests.factories import ProductFactory, ProductImageFactory, image_bytes

pytestmark = pytest.mark.django_db


def img_tags(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


@pytest.fixture
def lavender():
    product = ProductFactory(name="Lavender", slug="lavender")
    picture = ProductImageFactory(product=product, image=image_bytes((1200, 1200)))
    return product, picture


def test_a_card_offers_the_thumbnail_and_the_full_picture(client, lavender):
    _product, picture = lavender

    tags = [t for t in img_tags(client.get("/products/").content.decode()) if "Lavender" in t]

    assert len(tags) == 1
    tag = tags[0]
    assert f'srcset="{picture.thumbnail.url} 480w, {picture.image.url} 1200w"' in tag
    assert 'sizes="' in tag
    assert 'width="480" height="480"' in tag


def test_the_product_gallery_offers_both_widths_with_its_size(client, lavender):
    product, picture = lavender

    html = client.get(product.get_absolute_url()).content.decode()
    slide = next(t for t in img_tags(html) if picture.image.url in t and "srcset" in t)

    assert f"{picture.thumbnail.url} 480w" in slide
    assert f"{picture.image.url} 1200w" in slide
    assert 'width="1200" height="1200"' in slide


def test_a_small_picture_needs_no_choice(client):
    product = ProductFactory(name="Cedar", slug="cedar")
    ProductImageFactory(product=product, image=image_bytes((400, 400)))

    tags = [t for t in img_tags(client.get("/products/").content.decode()) if "Cedar" in t]

    assert tags and "srcset" not in tags[0]
