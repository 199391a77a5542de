"""The cart: add/update/remove with server prices and stock checks, and the merge on login."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from scent.cart import services
from scent.cart.models import Cart, CartItem
from scent.catalog.models import Product
from tests.factories import ProductFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def oil(db):
    return ProductFactory(name="Lavender Oil", price=1250, stock_quantity=4)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _add(client, product, quantity=1, **extra):
    """What a card's quick "Add to cart" posts: the product (one size) and a quantity."""
    return client.post(
        reverse("cart:add"), {"product_id": product.pk, "quantity": quantity, **extra}
    )


def _add_size(client, variant, quantity=1):
    """What the product page posts: the chosen size."""
    return client.post(
        reverse("cart:add"),
        {"product_id": variant.product_id, "variant_id": variant.pk, "quantity": quantity},
    )


def _set_stock(product, quantity):
    variant = variant_of(product)
    variant.stock_quantity = quantity
    variant.save(update_fields=["stock_quantity"])


# --- as a shopper sees it -----------------------------------------------------


def test_a_guest_adds_a_product_and_sees_it_in_the_cart_and_the_header(client, oil):
    response = _add(client, oil, 2)

    assert response.status_code == 302
    assert "Added Lavender Oil (10 ml) to your cart." in _messages(response)
    page = client.get(reverse("cart:detail"))
    html = page.content.decode()
    assert "Lavender Oil" in html
    assert "$25.00" in html  # 2 x 12.50, computed on the server
    assert "data-cart-count>2</span>" in html


def test_a_tampered_price_in_the_form_is_ignored(client, oil):
    _add(client, oil, 1, price="1", unit_price="0.01", total="0")

    page = client.get(reverse("cart:detail"))
    assert page.context["summary"].subtotal == 1250


def test_more_than_the_stock_is_refused_with_a_clear_message(client, oil):
    _add(client, oil, 3)
    response = _add(client, oil, 2)

    assert (
        "Sorry, only 4 of Lavender Oil (10 ml) in stock. You already have 3 in your cart."
        in _messages(response)
    )
    assert response["Location"] == oil.get_absolute_url()
    assert CartItem.objects.get().quantity == 3


def test_an_inactive_product_is_refused(client, oil):
    Product.objects.filter(pk=oil.pk).update(is_active=False)

    response = _add(client, oil)

    assert "Sorry, Lavender Oil (10 ml) is no longer available." in _messages(response)
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "100"])
def test_bad_quantities_are_refused_without_an_error_page(client, oil, quantity):
    response = _add(client, oil, quantity)

    assert response.status_code == 302
    assert _messages(response)
    assert not CartItem.objects.exists()


def test_an_unknown_product_is_refused(client):
    response = client.post(reverse("cart:add"), {"product_id": "999999", "quantity": 1})

    assert "That product does not exist." in _messages(response)


def test_update_and_remove(client, oil):
    _add(client, oil, 1)

    size = variant_of(oil)
    client.post(reverse("cart:update"), {"variant_id": size.pk, "quantity": 3})
    assert CartItem.objects.get().quantity == 3

    response = client.post(reverse("cart:update"), {"variant_id": size.pk, "quantity": 9})
    assert "Sorry, only 4 of Lavender Oil (10 ml) in stock." in _messages(response)
    assert CartItem.objects.get().quantity == 3

    client.post(reverse("cart:remove"), {"variant_id": size.pk})
    assert not CartItem.objects.exists()


def test_cart_changes_need_post(client):
    assert client.get(reverse("cart:add")).status_code == 405


def test_the_cart_page_flags_lines_that_sold_out_since(client, oil):
    _add(client, oil, 2)
    _set_stock(oil, 1)

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Only 1 in stock: please lower the quantity." in html
    assert reverse("checkout:start") not in html


def test_the_cart_page_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        _add(client, ProductFactory())
    with django_assert_max_num_queries(8):
        client.get(reverse("cart:detail"))


def test_a_signed_in_cart_belongs_to_the_account(client, oil):
    user = UserFactory()
    client.force_login(user)

    _add(client, oil, 1)

    assert Cart.objects.get().user == user


# --- merge on login -------------------------------------------------------------


def test_logging_in_merges_the_guest_cart_capped_at_stock_and_says_so(client, oil):
    user = UserFactory(email="ada@example.com")
    other = ProductFactory(name="Cedar Soap", stock_quantity=10)
    saved = Cart.objects.create(user=user)
    CartItem.objects.create(cart=saved, variant=variant_of(oil), quantity=3)
    _add(client, oil, 3)  # guest: 3 + saved 3 > stock 4
    _add(client, other, 2)

    response = client.post(
        reverse("accounts:login"),
        {"username": "ada@example.com", "password": PASSWORD},
        follow=True,
    )

    notes = [str(m) for m in response.context["messages"]]
    assert "Only 4 of Lavender Oil (10 ml) in stock: your quantity is now 4." in notes
    assert any("combined with your saved cart" in n for n in notes)
    items = {i.variant.product.name: i.quantity for i in CartItem.objects.filter(cart__user=user)}
    assert items == {"Lavender Oil": 4, "Cedar Soap": 2}
    assert Cart.objects.count() == 1


def test_merging_into_an_account_without_a_cart_keeps_every_item():
    user = UserFactory()
    oil = ProductFactory(stock_quantity=5)
    guest = Cart.objects.create()
    CartItem.objects.create(cart=guest, variant=variant_of(oil), quantity=2)

    notes = services.merge_carts(guest_cart=guest, user=user)

    assert notes == []
    assert CartItem.objects.get(cart__user=user).quantity == 2
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_merging_drops_products_no_longer_sold():
    user = UserFactory()
    gone = ProductFactory(name="Old Candle", size="", is_active=False)
    guest = Cart.objects.create()
    CartItem.objects.create(cart=guest, variant=variant_of(gone), quantity=1)

    notes = services.merge_carts(guest_cart=guest, user=user)

    assert notes == ["Old Candle is no longer available and was removed."]
    assert not CartItem.objects.exists()


def test_stale_guest_carts_are_pruned_by_the_scheduler(settings):
    from datetime import timedelta

    from django.utils import timezone

    from scent.ops.schedule import schedule

    user_cart = Cart.objects.create(user=UserFactory())
    fresh = Cart.objects.create()
    stale = Cart.objects.create()
    CartItem.objects.create(cart=stale, variant=variant_of(ProductFactory()), quantity=1)
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    Cart.objects.filter(pk__in=[stale.pk, user_cart.pk]).update(updated_at=long_ago)

    assert schedule.get("carts:prune-guests").action() == 1

    assert set(Cart.objects.values_list("pk", flat=True)) == {user_cart.pk, fresh.pk}


# --- sizes --------------------------------------------------------------------


@pytest.fixture
def sizes(db):
    """An oil in three sizes: 5 ml, 10 ml and 30 ml."""
    product = ProductFactory(
        name="Rose Otto",
        variants=[
            {"label": "5 ml", "sku": "ROSE-5", "price": 650, "stock_quantity": 5},
            {"label": "10 ml", "sku": "ROSE-10", "price": 990, "stock_quantity": 2},
            {"label": "30 ml", "sku": "ROSE-30", "price": 2200, "stock_quantity": 0},
        ],
    )
    return {v.label: v for v in product.variants.all()}


def test_the_same_size_twice_adds_up_and_two_sizes_are_two_lines(client, sizes):
    _add_size(client, sizes["5 ml"], 1)
    _add_size(client, sizes["5 ml"], 2)
    _add_size(client, sizes["10 ml"], 1)

    lines = {i.variant.label: i.quantity for i in CartItem.objects.all()}
    assert lines == {"5 ml": 3, "10 ml": 1}
    summary = client.get(reverse("cart:detail")).context["summary"]
    assert summary.subtotal == 3 * 650 + 990


def test_the_cart_shows_each_line_with_its_size_and_price(client, sizes):
    _add_size(client, sizes["10 ml"], 1)

    html = client.get(reverse("cart:detail")).content.decode()

    assert '<span class="muted" data-size>10 ml</span>' in html
    assert "$9.90" in html
    assert "?size=ROSE-10" in html  # the line links back to its size


def test_stock_limits_are_per_size(client, sizes):
    response = _add_size(client, sizes["10 ml"], 3)

    assert "Sorry, only 2 of Rose Otto (10 ml) in stock." in _messages(response)
    response = _add_size(client, sizes["30 ml"], 1)
    assert "Sorry, Rose Otto (30 ml) is out of stock." in _messages(response)
    assert not CartItem.objects.exists()


def test_a_product_with_sizes_posted_without_one_asks_to_choose(client, sizes):
    product = sizes["5 ml"].product

    response = _add(client, product)

    assert response["Location"] == product.get_absolute_url()
    assert "Please choose a size of Rose Otto." in _messages(response)
    assert not CartItem.objects.exists()


def test_a_size_that_is_switched_off_is_refused(client, sizes):
    sizes["5 ml"].is_active = False
    sizes["5 ml"].save(update_fields=["is_active"])

    response = _add_size(client, sizes["5 ml"])

    assert "Sorry, Rose Otto (5 ml) is no longer available." in _messages(response)


def test_merging_works_per_size_and_says_which_size_was_capped(sizes):
    user = UserFactory()
    saved = Cart.objects.create(user=user)
    CartItem.objects.create(cart=saved, variant=sizes["10 ml"], quantity=1)
    guest = Cart.objects.create()
    CartItem.objects.create(cart=guest, variant=sizes["10 ml"], quantity=2)
    CartItem.objects.create(cart=guest, variant=sizes["5 ml"], quantity=1)

    notes = services.merge_carts(guest_cart=guest, user=user)

    assert "Only 2 of Rose Otto (10 ml) in stock: your quantity is now 2." in notes
    lines = {i.variant.label: i.quantity for i in CartItem.objects.filter(cart=saved)}
    assert lines == {"10 ml": 2, "5 ml": 1}


def test_the_cart_page_costs_the_same_whatever_the_sizes(
    client, sizes, django_assert_max_num_queries
):
    for size in ("5 ml", "10 ml"):
        _add_size(client, sizes[size])
    for n in range(3):
        product = ProductFactory(
            variants=[
                {"label": f"{k} ml", "sku": f"S{n}-{k}", "price": 100 * k, "stock_quantity": 9}
                for k in (5, 10, 30)
            ]
        )
        _add_size(client, product.variants.last())
    with django_assert_max_num_queries(8):
        client.get(reverse("cart:detail"))
