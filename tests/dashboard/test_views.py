"""The sales dashboard page in the admin: staff only, cached, a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scent.core.money import format_money
from scent.dashboard import selectors
from scent.orders.models import PaymentStatus
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"
QUERY_BUDGET = 15  # 13 today: session, user, 5 order/user figures, low stock, quiz (labels + 5)


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def shop_with_orders(count: int) -> None:
    """`count` paid orders of two lines over the last 60 days, and a few customers."""
    products = [ProductFactory(price=500 + i) for i in range(4)]
    now = timezone.now()
    for i in range(count):
        order = OrderFactory(
            paid=True, total=1000 + i, created_at=now - dt.timedelta(days=i % 60, hours=i % 5)
        )
        OrderLineFactory(order=order, product=products[i % 4], quantity=1 + i % 3)
        OrderLineFactory(order=order, product=products[(i + 1) % 4])
    for _ in range(3):
        UserFactory()


def orders_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "orders_order" in q["sql"]]


def test_staff_see_the_dashboard_with_every_panel(staff_client, settings):
    settings.SHOP_LOW_STOCK_THRESHOLD = 3
    shop_with_orders(5)
    low = ProductFactory(name="Neroli", stock_quantity=2)

    response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Revenue per day",
        "Paid orders per day",
        "Top products by revenue",
        "Top products by units sold",
        "Low stock",
        "New customers per day",
    ):
        assert f">{heading}</h2>" in html
    data = response.context["data"]
    assert data.days == 30
    assert data.orders == 5
    assert html.count('class="chart chart-columns"') == 2
    assert html.count('class="chart-bar"') >= 60  # two charts of 30 days, then the top lists
    # the money is formatted like everywhere in the shop
    assert f"<dd>{format_money(data.revenue, 'USD')}</dd>" in html
    # what counts as revenue is spelt out
    assert "Paid, Partially refunded, Refunded" in html
    # the low-stock product links to its admin page
    assert reverse("admin:catalog_product_change", args=[low.pk]) in html
    # a data table for each chart, out of the way
    assert html.count('<details class="sd-data">') >= 4
    assert "?days=90" in html
    assert 'aria-current="page" class="sd-range-current">30 days' in html


def test_the_90_day_view(staff_client):
    shop_with_orders(3)

    response = staff_client.get(URL, {"days": "90"})

    assert response.status_code == 200
    assert response.context["data"].days == 90
    assert len(response.context["data"].sales) == 90
    assert 'aria-current="page" class="sd-range-current">90 days' in response.content.decode()


@pytest.mark.parametrize("days", ["7", "abc", "", "-30", "٣٠"])
def test_an_unknown_period_shows_30_days_and_says_why(staff_client, days):
    response = staff_client.get(URL, {"days": days})

    assert response.status_code == 200
    assert response.context["data"].days == 30
    assert "The dashboard shows the last 30 or 90 days" in response.content.decode()


def test_empty_shop(staff_client):
    response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "No paid orders in this period" in html
    assert "No sales in this period" in html
    assert "No size is running low." in html
    assert "<dd>$0.00</dd>" in html
    if selectors.quiz_model() is not None:
        assert "No one has taken the scent quiz in this period." in html


@pytest.mark.parametrize("is_staff", [False, None])
def test_customers_and_visitors_are_sent_to_the_admin_login(client, is_staff):
    if is_staff is not None:
        client.force_login(UserFactory(is_staff=is_staff))
    ProductFactory(name="Secret Oil", stock_quantity=0)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={URL}"


def test_admin_index_links_to_the_dashboard(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{URL}"' in html
    assert "Sales dashboard" in html
    assert 'id="content-main"' in html  # the usual app list is still there


def test_product_names_are_escaped(staff_client):
    product = ProductFactory(name='<img src=x onerror="alert(1)">', stock_quantity=1)
    OrderLineFactory(order=OrderFactory(paid=True), product=product)

    html = staff_client.get(URL).content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_second_load_comes_from_the_cache(staff_client, django_assert_num_queries):
    shop_with_orders(4)

    with CaptureQueriesContext(connection) as first:
        staff_client.get(URL)
    OrderFactory(paid=True, total=99999)  # a new order appears within the minute
    with CaptureQueriesContext(connection) as second:
        response = staff_client.get(URL)

    assert orders_queries(first.captured_queries)
    assert orders_queries(second.captured_queries) == []
    assert response.context["data"].orders == 4  # the cached figures
    with django_assert_num_queries(0):
        selectors.dashboard(days=30)
    # the other period is cached under its own key
    with CaptureQueriesContext(connection) as other:
        assert staff_client.get(URL, {"days": "90"}).context["data"].orders == 5
    assert orders_queries(other.captured_queries)


@pytest.mark.parametrize("orders", [2, 120])
def test_query_count_does_not_grow_with_the_orders(
    staff_client, django_assert_max_num_queries, orders
):
    shop_with_orders(orders)
    ProductFactory(stock_quantity=0)

    with django_assert_max_num_queries(QUERY_BUDGET) as captured:
        response = staff_client.get(URL, {"days": "90"})

    assert response.status_code == 200
    assert response.context["data"].orders == orders
    # the order figures are 3 grouped queries whatever the number of orders
    assert len(orders_queries(captured.captured_queries)) == 3


def test_same_query_count_for_few_and_many_orders(staff_client):
    def count() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            staff_client.get(URL)
        return len(ctx.captured_queries)

    shop_with_orders(2)
    few = count()
    shop_with_orders(80)
    assert count() == few


def test_refunded_orders_are_shown_separately(staff_client):
    OrderFactory(
        paid=True, total=5000, amount_refunded=2000, payment_status=PaymentStatus.PARTIALLY_REFUNDED
    )

    response = staff_client.get(URL)

    html = response.content.decode()
    assert "<dd>$30.00</dd>" in html  # revenue
    assert "<dd>$20.00</dd>" in html  # refunded


@pytest.mark.skipif(selectors.quiz_model() is None, reason="scent.marketing has no QuizResult")
def test_quiz_answers_panel(staff_client):
    selectors.quiz_model().objects.create(
        answers={"mood": "calm", "family": "floral", "intensity": "subtle", "format": "oil"}
    )

    html = staff_client.get(URL).content.decode()

    assert ">Scent quiz answers</h2>" in html
    assert "1 quiz completed" in html
    assert reverse("admin:marketing_quizresult_changelist") in html
    assert html.count('class="chart chart-bars"') == 2 + len(selectors.QUIZ_QUESTIONS)
    assert "(no answer)" in html  # the budget was not answered in this one


def test_figures_survive_a_cache_that_stores_bytes(staff_client, settings, tmp_path):
    # given the file cache (CACHE_DRIVER=file), which pickles what it stores
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    shop_with_orders(3)
    first = staff_client.get(URL).context["data"]

    with CaptureQueriesContext(connection) as second:
        again = staff_client.get(URL).context["data"]

    assert orders_queries(second.captured_queries) == []
    assert again == first
    assert again.revenue == first.revenue > 0
