"""The checkout steps as a shopper walks them, from cart to the payment page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from scent.catalog.models import ProductVariant
from scent.checkout.models import ShippingMethod
from scent.orders.models import Order, OrderStatus
from tests.factories import (
    AddressFactory,
    CouponFactory,
    ProductFactory,
    ShippingMethodFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 Lavender Lane",
    "city": "Bath",
    "postal_code": "BA1 1AA",
    "country": "GB",
}


def _total_on(page) -> str:
    match = re.search(r'data-total="total">([^<]+)<', page.content.decode())
    assert match, "the page shows no total"
    return match.group(1)


def _fill_cart(client, shop):
    client.post(reverse("cart:add"), {"product_id": shop["oil"].pk, "quantity": 2})
    client.post(reverse("cart:add"), {"product_id": shop["soap"].pk, "quantity": 1})


def test_a_guest_checks_out_and_every_step_shows_the_total_that_is_charged(client, shop):
    CouponFactory(code="CALM10", value=10)
    _fill_cart(client, shop)

    assert client.get(reverse("checkout:start"))["Location"] == reverse("checkout:contact")
    r = client.post(reverse("checkout:contact"), {"email": "Guest@Example.com"})
    assert r["Location"] == reverse("checkout:address")
    r = client.post(reverse("checkout:address"), ADDRESS)
    assert r["Location"] == reverse("checkout:shipping")
    r = client.post(reverse("checkout:shipping"), {"shipping_method": shop["express"].pk})
    assert r["Location"] == reverse("checkout:coupon")
    r = client.post(reverse("checkout:coupon"), {"code": "calm10"})
    assert r["Location"] == reverse("checkout:review")

    # goods 3300, -10% = 2970, express 1295, taxable 4265, tax 853, total 5118
    shown = {
        step: _total_on(client.get(reverse(f"checkout:{step}")))
        for step in ("contact", "address", "shipping", "coupon", "review")
    }
    assert set(shown.values()) == {"$51.18"}

    review = client.get(reverse("checkout:review"))
    assert review.context["totals"].total == 5118
    r = client.post(reverse("checkout:place"), {"expected_total": "5118"})

    order = Order.objects.get()
    assert r["Location"] == reverse("payments:pay", kwargs={"order_number": order.number})
    assert (order.total, order.discount, order.shipping, order.tax) == (5118, 330, 1295, 853)
    assert order.email == "guest@example.com"
    assert order.user is None
    assert order.status == OrderStatus.PENDING
    # the cart is emptied and the order's confirmation page is this browser's
    assert client.get(reverse("cart:detail")).context["summary"].is_empty
    confirmation = client.get(reverse("orders:confirmation", kwargs={"number": order.number}))
    assert confirmation.status_code == 200
    assert order.number in confirmation.content.decode()


def test_steps_cannot_be_skipped(client, shop):
    _fill_cart(client, shop)

    assert client.get(reverse("checkout:review"))["Location"] == reverse("checkout:contact")
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    assert client.get(reverse("checkout:shipping"))["Location"] == reverse("checkout:address")


def test_an_empty_cart_cannot_check_out(client, shop):
    assert client.get(reverse("checkout:start"))["Location"] == reverse("cart:detail")
    assert client.post(reverse("checkout:place"), {"expected_total": "1"})["Location"] == reverse(
        "cart:detail"
    )


def test_invalid_address_shows_field_errors_not_a_server_error(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})

    r = client.post(reverse("checkout:address"), {**ADDRESS, "country": "XX", "city": ""})

    assert r.status_code == 200
    html = r.content.decode()
    assert "This field is required." in html
    assert "Select a valid choice" in html


def test_a_signed_in_customer_ships_to_a_saved_address(client, shop):
    user = UserFactory(email="ada@example.com")
    home = AddressFactory(user=user, full_name="Ada at Home", city="Oxford")
    AddressFactory(user=UserFactory(), full_name="Not Mine")
    client.force_login(user)
    _fill_cart(client, shop)

    contact = client.get(reverse("checkout:contact"))
    assert 'value="ada@example.com"' in contact.content.decode()
    client.post(reverse("checkout:contact"), {"email": "ada@example.com"})
    page = client.get(reverse("checkout:address")).content.decode()
    assert "Ada at Home" in page
    assert "Not Mine" not in page
    client.post(reverse("checkout:address"), {"address_id": home.pk})
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})
    total = client.get(reverse("checkout:review")).context["totals"].total
    client.post(reverse("checkout:place"), {"expected_total": str(total)})

    order = Order.objects.get()
    assert (order.user, order.ship_full_name, order.ship_city) == (user, "Ada at Home", "Oxford")


def test_someone_elses_saved_address_cannot_be_chosen(client, shop):
    user = UserFactory()
    AddressFactory(user=user)
    stranger = AddressFactory(user=UserFactory())
    client.force_login(user)
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "ada@example.com"})

    r = client.post(reverse("checkout:address"), {"address_id": stranger.pk})

    assert r.status_code == 200
    assert "Please choose one of your saved addresses." in r.content.decode()


def test_a_bad_coupon_is_explained_on_the_coupon_step(client, shop):
    CouponFactory(code="BIG", minimum_spend=100000)
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})

    r = client.post(reverse("checkout:coupon"), {"code": "BIG"})

    assert r.status_code == 200
    assert "needs a minimum spend of $1,000.00" in r.content.decode()


def test_a_price_change_after_review_is_shown_before_anything_is_charged(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})
    seen = client.get(reverse("checkout:review")).context["totals"].total
    ProductVariant.objects.filter(product=shop["oil"]).update(price=1500)

    r = client.post(reverse("checkout:place"), {"expected_total": str(seen)}, follow=True)

    assert Order.objects.count() == 0
    assert "Prices or availability changed" in r.content.decode()
    assert r.context["totals"].total != seen


def test_stock_gone_while_reviewing_is_explained(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})
    total = client.get(reverse("checkout:review")).context["totals"].total
    ProductVariant.objects.filter(product=shop["soap"]).update(stock_quantity=0)

    r = client.post(reverse("checkout:place"), {"expected_total": str(total)}, follow=True)

    assert Order.objects.count() == 0
    assert "Cedar Soap" in r.content.decode()


@pytest.mark.parametrize("items", [1, 6])
def test_checkout_pages_use_a_fixed_number_of_queries(
    client, shop, items, django_assert_max_num_queries
):
    for n in range(items):  # products with one to three sizes, the last size in the cart
        product = ProductFactory(
            variants=[
                {"label": f"{ml} ml", "sku": f"Q{n}-{ml}", "price": 100 * ml, "stock_quantity": 5}
                for ml in (5, 10, 30)[: 1 + n % 3]
            ]
        )
        size = product.variants.last()
        client.post(reverse("cart:add"), {"variant_id": size.pk, "quantity": 1})
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})

    for step in ("shipping", "coupon", "review"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"checkout:{step}")).status_code == 200


def test_a_delivery_method_withdrawn_during_checkout_is_asked_again(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["express"].pk})
    ShippingMethod.objects.filter(pk=shop["express"].pk).update(is_active=False)

    r = client.get(reverse("checkout:review"), follow=True)

    assert r.redirect_chain[-1][0] == reverse("checkout:shipping")
    assert "no longer offered" in r.content.decode()


def test_a_second_click_on_place_order_goes_to_the_same_payment(client, shop):
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)
    client.post(reverse("checkout:shipping"), {"shipping_method": shop["standard"].pk})
    total = str(client.get(reverse("checkout:review")).context["totals"].total)

    first = client.post(reverse("checkout:place"), {"expected_total": total})
    second = client.post(reverse("checkout:place"), {"expected_total": total})

    order = Order.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("payments:pay", kwargs={"order_number": order.number})
    )


def test_a_signed_in_customer_can_save_a_new_address_a_guest_is_not_offered(client, shop):
    from scent.accounts.models import Address

    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    assert "save_address" not in client.get(reverse("checkout:address")).content.decode()

    user = UserFactory()
    client.force_login(user)
    _fill_cart(client, shop)
    client.post(reverse("checkout:contact"), {"email": user.email})
    client.post(reverse("checkout:address"), {**ADDRESS, "save_address": "on"})

    saved = Address.objects.get(user=user)
    assert (saved.full_name, saved.city, saved.country) == ("Ada Lovelace", "Bath", "GB")


def test_the_delivery_step_prices_each_method_for_the_parcel_weight(client, shop):
    # given a heavy parcel (two 1.2 kg candles) and a method with a weight rule
    ShippingMethodFactory(
        name="Courier",
        code="t-courier",
        price=600,
        included_weight_grams=2000,
        surcharge_per_kg=250,
        position=2,
    )
    candle = ProductFactory(name="Big Candle", price=3000, weight_grams=1200)
    client.post(reverse("cart:add"), {"product_id": candle.pk, "quantity": 2})
    client.post(reverse("checkout:contact"), {"email": "a@example.com"})
    client.post(reverse("checkout:address"), ADDRESS)

    options = dict(
        (m.name, price) for m, price in client.get(reverse("checkout:shipping")).context["options"]
    )

    assert options["Courier"] == 600 + 250  # 400 g above the included 2 kg: one started kg
    assert options["Express"] == 1295  # no weight rule: weight does not matter
