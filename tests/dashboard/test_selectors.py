"""Dashboard figures: grouped in the database, per day of the shop's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scent.dashboard import selectors
from scent.orders.models import OrderStatus, PaymentStatus
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UserFactory,
    variant_of,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
TODAY = dt.date(2026, 3, 20)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(tz))


def by_day(data) -> dict[dt.date, tuple[int, int]]:
    """{day: (orders, revenue)} for the days that had any."""
    return {d.day: (d.orders, d.revenue) for d in data.sales if d.orders or d.paid}


def test_revenue_and_orders_per_day_count_paid_orders_less_refunds():
    # given paid, refunded, unpaid and old orders
    OrderFactory(paid=True, total=2500, created_at=utc(2026, 3, 19, 10))
    OrderFactory(paid=True, total=1000, created_at=utc(2026, 3, 19, 23, 59))
    OrderFactory(
        paid=True,
        total=4000,
        amount_refunded=1500,
        payment_status=PaymentStatus.PARTIALLY_REFUNDED,
        created_at=utc(2026, 3, 18, 12),
    )
    OrderFactory(
        paid=True,
        total=3000,
        amount_refunded=3000,
        status=OrderStatus.REFUNDED,
        payment_status=PaymentStatus.REFUNDED,
        created_at=utc(2026, 3, 17, 12),
    )
    OrderFactory(total=9999, created_at=utc(2026, 3, 19, 12))  # awaiting payment
    OrderFactory(
        status=OrderStatus.CANCELLED, total=5000, created_at=utc(2026, 3, 19, 12)
    )  # never paid
    OrderFactory(paid=True, total=7000, currency="EUR", created_at=utc(2026, 3, 19, 12))
    OrderFactory(paid=True, total=700, created_at=utc(2026, 1, 10, 12))  # 69 days ago

    # when the dashboard is read for 30 days
    data = selectors.dashboard(days=30, today=TODAY, use_cache=False)

    # then one entry per day, and only money the shop kept counts
    assert len(data.sales) == 30
    assert data.sales[0].day == dt.date(2026, 2, 19)
    assert data.sales[-1].day == TODAY
    assert by_day(data) == {
        dt.date(2026, 3, 19): (2, 3500),
        dt.date(2026, 3, 18): (1, 2500),
        dt.date(2026, 3, 17): (0, 0),  # fully refunded: no order, no revenue
    }
    assert data.revenue == 6000
    assert data.refunded == 4500
    assert data.orders == 3
    assert data.average_order == 2000

    # and the 90-day view reaches back to the old order
    ninety = selectors.dashboard(days=90, today=TODAY, use_cache=False)
    assert len(ninety.sales) == 90
    assert by_day(ninety)[dt.date(2026, 1, 10)] == (1, 700)
    assert ninety.revenue == 6700


def test_days_follow_the_shops_time_zone_across_daylight_saving(settings):
    # given a shop in New York, where clocks went forward on 8 March 2026 at 07:00 UTC
    settings.TIME_ZONE = "America/New_York"
    OrderFactory(paid=True, total=100, created_at=utc(2026, 3, 8, 4, 30))  # 7 Mar 23:30 EST
    OrderFactory(paid=True, total=200, created_at=utc(2026, 3, 8, 7, 30))  # 8 Mar 03:30 EDT
    OrderFactory(paid=True, total=400, created_at=utc(2026, 3, 9, 3, 30))  # 8 Mar 23:30 EDT
    OrderFactory(paid=True, total=800, created_at=utc(2026, 3, 9, 4, 30))  # 9 Mar 00:30 EDT
    # the first and last instants of the 30-day window, and just outside it
    OrderFactory(paid=True, total=1, created_at=local("America/New_York", 2026, 2, 19))
    OrderFactory(paid=True, total=2, created_at=local("America/New_York", 2026, 2, 18, 23, 59, 59))
    OrderFactory(paid=True, total=4, created_at=local("America/New_York", 2026, 3, 20, 23, 59, 59))
    OrderFactory(paid=True, total=8, created_at=local("America/New_York", 2026, 3, 21))

    # when
    data = selectors.dashboard(days=30, today=TODAY, use_cache=False)

    # then each order lands on the shop's calendar day
    assert by_day(data) == {
        dt.date(2026, 2, 19): (1, 1),
        dt.date(2026, 3, 7): (1, 100),
        dt.date(2026, 3, 8): (2, 600),
        dt.date(2026, 3, 9): (1, 800),
        dt.date(2026, 3, 20): (1, 4),
    }
    assert data.time_zone == "America/New_York"


def test_days_east_of_utc_and_when_clocks_go_back(settings):
    # given a shop in London; clocks went back on 25 October 2026 at 01:00 UTC
    settings.TIME_ZONE = "Europe/London"
    OrderFactory(paid=True, total=10, created_at=utc(2026, 10, 24, 23, 30))  # 25 Oct 00:30 BST
    OrderFactory(paid=True, total=20, created_at=utc(2026, 10, 25, 23, 30))  # 25 Oct 23:30 GMT
    OrderFactory(paid=True, total=40, created_at=utc(2026, 10, 23, 22, 59))  # 23 Oct 23:59 BST

    data = selectors.dashboard(days=30, today=dt.date(2026, 11, 1), use_cache=False)

    assert by_day(data) == {
        dt.date(2026, 10, 23): (1, 40),
        dt.date(2026, 10, 25): (2, 30),
    }


def test_top_products_by_revenue_and_by_units():
    # given three products sold in paid orders, and sales that don't count
    candle = ProductFactory(name="Candle", price=3000)
    oil = ProductFactory(name="Lavender Oil", price=500)
    soap = ProductFactory(name="Soap", price=800)
    day = utc(2026, 3, 19, 12)
    first = OrderFactory(paid=True, created_at=day)
    second = OrderFactory(paid=True, created_at=day)
    OrderLineFactory(order=first, product=candle, quantity=1)
    OrderLineFactory(order=first, product=oil, quantity=4)
    OrderLineFactory(order=second, product=oil, quantity=3)
    OrderLineFactory(order=second, product=soap, quantity=2)
    gone = OrderLineFactory(order=second, product=ProductFactory(name="Old Blend"), quantity=1)
    gone.product.delete()  # the line keeps its name and price; the product is gone
    refunded = OrderFactory(
        paid=True, payment_status=PaymentStatus.REFUNDED, amount_refunded=2500, created_at=day
    )
    OrderLineFactory(order=refunded, product=soap, quantity=50)
    OrderLineFactory(order=OrderFactory(created_at=day), product=candle, quantity=50)  # unpaid

    # when
    data = selectors.dashboard(days=30, today=TODAY, use_cache=False)

    # then
    assert [(p.name, p.revenue, p.units) for p in data.top_by_revenue] == [
        ("Lavender Oil", 3500, 7),
        ("Candle", 3000, 1),
        ("Soap", 1600, 2),
        ("Deleted products", 1250, 1),
    ]
    assert [(p.name, p.units) for p in data.top_by_units][:3] == [
        ("Lavender Oil", 7),
        ("Soap", 2),
        ("Candle", 1),
    ]
    assert data.top_by_revenue[0].product_id == oil.pk
    assert data.top_by_revenue[0].sku == variant_of(oil).sku
    assert data.top_by_revenue[3].product_id is None


def test_top_products_are_limited(settings):
    order = OrderFactory(paid=True, created_at=utc(2026, 3, 19, 12))
    for i in range(selectors.TOP_PRODUCTS + 3):
        OrderLineFactory(order=order, product=ProductFactory(price=100 + i))

    data = selectors.dashboard(days=30, today=TODAY, use_cache=False)

    assert len(data.top_by_revenue) == selectors.TOP_PRODUCTS
    assert data.top_by_revenue[0].revenue == 100 + selectors.TOP_PRODUCTS + 2


def test_low_stock_lists_active_products_at_or_below_the_threshold(settings):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    ProductFactory(name="Plenty", stock_quantity=6)
    ProductFactory(name="Five left", stock_quantity=5)
    ProductFactory(name="Sold out", stock_quantity=0)
    ProductFactory(name="Three left", stock_quantity=3)
    ProductFactory(name="Hidden", stock_quantity=1, is_active=False)

    data = selectors.dashboard(days=30, use_cache=False)

    assert [(p.name, p.stock) for p in data.low_stock] == [
        ("Sold out", 0),
        ("Three left", 3),
        ("Five left", 5),
    ]
    assert data.low_stock_count == 3
    assert data.low_stock_threshold == 5


def test_low_stock_is_listed_per_size(settings):
    # given an oil whose 30 ml is nearly gone while its 5 ml is plentiful
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    oil = ProductFactory(
        name="Rose Otto",
        variants=[
            {"label": "5 ml", "sku": "ROSE-5", "price": 650, "stock_quantity": 40},
            {"label": "30 ml", "sku": "ROSE-30", "price": 2200, "stock_quantity": 2},
            {
                "label": "60 ml",
                "sku": "ROSE-60",
                "price": 3900,
                "stock_quantity": 0,
                "is_active": False,
            },
        ],
    )

    data = selectors.dashboard(days=30, use_cache=False)

    # then only the low size is listed, with its label and SKU; a switched-off size is not
    assert [(p.product_id, p.name, p.size, p.sku, p.stock) for p in data.low_stock] == [
        (oil.pk, "Rose Otto", "30 ml", "ROSE-30", 2)
    ]


def test_low_stock_counts_beyond_the_listed_products(settings, monkeypatch):
    monkeypatch.setattr(selectors, "LOW_STOCK_LIMIT", 2)
    for stock in (0, 1, 2, 3):
        ProductFactory(stock_quantity=stock)

    data = selectors.dashboard(days=30, use_cache=False)

    assert [p.stock for p in data.low_stock] == [0, 1]
    assert data.low_stock_count == 4


def test_new_customers_per_day_leave_staff_out(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    for joined in (utc(2026, 3, 10, 14, 59), utc(2026, 3, 10, 15, 0), utc(2026, 3, 11, 1)):
        user = UserFactory()
        type(user).objects.filter(pk=user.pk).update(date_joined=joined)
    staff = UserFactory(is_staff=True)
    type(staff).objects.filter(pk=staff.pk).update(date_joined=utc(2026, 3, 11, 1))

    data = selectors.dashboard(days=30, today=TODAY, use_cache=False)

    counts = {d.day: d.count for d in data.new_customers if d.count}
    assert counts == {dt.date(2026, 3, 10): 1, dt.date(2026, 3, 11): 2}
    assert len(data.new_customers) == 30
    assert data.customers == 3


@pytest.mark.skipif(selectors.quiz_model() is None, reason="scent.marketing has no QuizResult")
def test_quiz_answers_are_counted_per_question():
    from tests.factories import MoodFactory

    model = selectors.quiz_model()
    MoodFactory(name="Calm")
    MoodFactory(name="Sleep")
    answers = [
        {
            "mood": "calm",
            "family": "floral",
            "intensity": "subtle",
            "format": "oil",
            "budget": "30",
        },
        {
            "mood": "calm",
            "family": "citrus",
            "intensity": "subtle",
            "format": "any",
            "budget": "any",
        },
        {
            "mood": "sleep",
            "family": "floral",
            "intensity": "strong",
            "format": "oil",
            "budget": "15",
        },
    ]
    for a in answers:
        model.objects.create(answers=a)
    old = model.objects.create(answers=answers[2])
    model.objects.filter(pk=old.pk).update(created_at=utc(2020, 1, 1))

    data = selectors.dashboard(days=30, use_cache=False)

    assert data.quiz_count == 3
    mood = next(q for q in data.quiz if q.key == "mood")
    assert mood.answers == (("Calm", 2), ("Sleep", 1))
    family = dict(next(q for q in data.quiz if q.key == "family").answers)
    assert family["Floral"] == 2
    assert family["Citrus"] == 1
    assert family["Surprise me"] == 0  # a choice nobody picked is shown too
    assert [q.key for q in data.quiz] == ["mood", "family", "intensity", "format", "budget"]


def test_quiz_panel_is_left_out_without_the_marketing_app(settings):
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "scent.marketing"]

    data = selectors.dashboard(days=30, use_cache=False)

    assert data.quiz is None


def test_only_30_or_90_days():
    with pytest.raises(ValueError, match="30 or 90"):
        selectors.dashboard(days=7)


@pytest.mark.parametrize(
    ("zone", "changes"),
    [
        ("UTC", []),
        ("Asia/Kolkata", []),
        ("Europe/London", [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]),
        ("America/New_York", [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6)]),
        ("Australia/Lord_Howe", [utc(2026, 4, 4, 15), utc(2026, 10, 3, 15, 30)]),  # 30 min
    ],
)
def test_offset_spans_split_the_range_where_the_clocks_change(zone, changes):
    tz = ZoneInfo(zone)
    since, until = selectors.day_bounds(dt.date(2026, 1, 1), dt.date(2026, 12, 31), tz)

    spans = selectors.offset_spans(since, until, tz)

    assert [s.start for s in spans[1:]] == changes
    assert spans[0].start == since
    assert spans[-1].end == until
    for span in spans:
        assert span.offset == span.start.astimezone(tz).utcoffset()
        last = span.end - dt.timedelta(seconds=1)
        assert last.astimezone(tz).utcoffset() == span.offset
