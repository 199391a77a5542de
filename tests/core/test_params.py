"""The bounded parser for numbers taken from requests: ids, quantities, pages, prices."""

from __future__ import annotations

import pytest
from django.urls import resolve
from django.urls.exceptions import Resolver404

from scent.core import params

HUGE = "10000000000000000000"  # 2**63 < HUGE: no bigint column holds it


@pytest.mark.parametrize("text", ["1", " 42 ", str(2**63 - 1)])
def test_an_id_a_bigint_holds_is_read(text):
    assert params.parse_id(text) == int(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "-1",
        HUGE,
        str(2**63),
        "1_0",
        "+5",
        "\u0661\u0662",
        "1.0",
        "1e3",
        "9" * 5000,
        "\x00",
    ],
)
def test_anything_else_is_refused_with_a_message_naming_the_field(text):
    with pytest.raises(params.BadParameter) as error:
        params.parse_id(text, name="product_id")

    assert error.value.name == "product_id"
    assert str(error.value) == "product_id is not a valid id."


@pytest.mark.parametrize("value", [None, 12, [1], b"12", True])
def test_only_request_text_or_an_int_is_an_id(value):
    if isinstance(value, int) and not isinstance(value, bool):
        assert params.parse_id(value) == 12
    else:
        with pytest.raises(params.BadParameter):
            params.parse_id(value)


def test_a_blank_optional_id_is_none_but_a_bad_one_is_still_refused():
    assert params.optional_id(None) is None
    assert params.optional_id("  ") is None
    with pytest.raises(params.BadParameter):
        params.optional_id(HUGE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Please enter a whole number for the quantity."),
        ("0", "The quantity must be at least 1."),
        ("-3", "The quantity must be at least 1."),
        ("100", "You can order at most 99 of one product."),
        (HUGE, "You can order at most 99 of one product."),
    ],
)
def test_a_quantity_outside_1_to_99_says_what_is_allowed(text, message):
    with pytest.raises(params.BadParameter, match=message):
        params.parse_quantity(text)


def test_a_quantity_of_zero_is_allowed_where_it_means_remove():
    assert params.parse_quantity("0", low=0) == 0
    assert params.parse_quantity("99") == 99


@pytest.mark.parametrize(("text", "page"), [(None, 1), ("", 1), ("3", 3), ("1000000", 1_000_000)])
def test_a_page_number_defaults_to_the_first(text, page):
    assert params.parse_page(text) == page


@pytest.mark.parametrize("text", ["0", "-1", "1000001", HUGE, "two"])
def test_a_page_out_of_range_is_refused(text):
    with pytest.raises(params.BadParameter):
        params.parse_page(text)


@pytest.mark.parametrize(("text", "minor"), [("12.50", 1250), ("0", 0), ("1,250", 125000)])
def test_a_price_in_major_units_becomes_minor_units(text, minor):
    assert params.parse_price(text, "USD") == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "Enter an amount like 12.50"),
        ("12.505", "at most 2 decimals"),
        ("NaN", "Enter an amount like 12.50"),
        ("99999999999", "That is more than"),
        ("<script>", "Enter an amount like 12.50"),
    ],
)
def test_a_price_out_of_range_is_refused(text, message):
    with pytest.raises(params.BadParameter, match=message):
        params.parse_price(text, "USD")


def test_an_id_in_a_url_past_what_a_bigint_holds_is_no_page():
    assert resolve("/account/addresses/9223372036854775807/edit/").kwargs == {
        "pk": 9223372036854775807
    }
    with pytest.raises(Resolver404):
        resolve(f"/account/addresses/{HUGE}/edit/")


@pytest.mark.django_db
def test_an_uncaught_bad_parameter_is_a_400_page_that_says_what_was_wrong(client, settings):
    from django.urls import path

    def view(request):
        params.parse_id(request.GET.get("id"), name="id")

    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("t/", view)], "handler400": params.bad_request}
    )
    response = client.get("/t/", {"id": HUGE})

    assert response.status_code == 400
    assert "id is not a valid id." in response.content.decode()
    assert "Nothing was changed." in response.content.decode()
