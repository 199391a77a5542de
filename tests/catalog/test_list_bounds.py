"""List page prices and page numbers past what a column holds: a field error, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HUGE = "10000000000000000000"


@pytest.fixture
def oil(db):
    return ProductFactory(name="Lavender Oil", price=1250, stock_quantity=4)


@pytest.mark.parametrize("field", ["min_price", "max_price"])
def test_a_price_bound_larger_than_any_price_is_a_field_error_and_the_list_still_shows(
    client, oil, field
):
    response = client.get("/products/", {field: "99999999.99"})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["That amount is too large."]
    assert "Lavender Oil" in response.content.decode()


@pytest.mark.parametrize(("field", "value"), [("min_price", HUGE), ("page", HUGE)])
def test_huge_numbers_in_the_query_are_explained_not_a_server_error(client, oil, field, value):
    response = client.get("/products/", {field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "Lavender Oil" in response.content.decode()
