"""Reads for the staff sales dashboard: a handful of grouped queries, cached for a minute.

Every figure is aggregated in the database (one row per day or per product comes back,
never one per order), so the number of queries and the rows fetched do not grow with
the number of orders. Days are the shop's days: TIME_ZONE, daylight saving included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone

from scent.accounts.models import User
from scent.catalog.models import ProductVariant
from scent.orders.models import Order, OrderLine, PaymentStatus

RANGES = (30, 90)
DEFAULT_RANGE = 30
CACHE_SECONDS = 60
TOP_PRODUCTS = 10
LOW_STOCK_LIMIT = 50

# Orders whose payment was received. Revenue is what they paid less what was refunded
# (so a fully refunded order adds nothing); fully refunded orders are not counted as
# orders nor in the top products.
RECEIVED_PAYMENT = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
KEPT_PAYMENT = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)

# The scent quiz's questions, in the order the quiz asks them (keys of QuizResult.answers).
QUIZ_QUESTIONS = (
    ("mood", "Mood or need"),
    ("family", "Scent family"),
    ("intensity", "Intensity"),
    ("format", "Format"),
    ("budget", "Budget"),
)

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class SalesDay:
    day: dt.date
    orders: int
    paid: int  # minor units received for orders placed that day
    refunded: int  # minor units refunded since for those orders

    @property
    def revenue(self) -> int:
        return self.paid - self.refunded


@dataclass(frozen=True, slots=True)
class ProductSales:
    product_id: int | None  # None: the product has been deleted since
    name: str
    sku: str
    revenue: int
    units: int


@dataclass(frozen=True, slots=True)
class LowStock:
    product_id: int
    name: str
    size: str
    sku: str
    stock: int


@dataclass(frozen=True, slots=True)
class CountDay:
    day: dt.date
    count: int


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    key: str
    label: str
    answers: tuple[tuple[str, int], ...]  # (answer, how many), most frequent first


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: int
    start: dt.date
    end: dt.date  # inclusive: today in the shop's time zone
    time_zone: str
    currency: str
    sales: tuple[SalesDay, ...]
    top_by_revenue: tuple[ProductSales, ...]
    top_by_units: tuple[ProductSales, ...]
    low_stock: tuple[LowStock, ...]
    low_stock_count: int
    low_stock_threshold: int
    new_customers: tuple[CountDay, ...]
    quiz: tuple[QuizQuestion, ...] | None  # None: the quiz app is not installed
    quiz_count: int
    generated_at: dt.datetime
    notes: tuple[str, ...] = field(default=())

    @property
    def revenue(self) -> int:
        return sum(d.revenue for d in self.sales)

    @property
    def refunded(self) -> int:
        return sum(d.refunded for d in self.sales)

    @property
    def orders(self) -> int:
        return sum(d.orders for d in self.sales)

    @property
    def average_order(self) -> int:
        return self.revenue // self.orders if self.orders else 0

    @property
    def customers(self) -> int:
        return sum(d.count for d in self.new_customers)


# --- days in the shop's time zone ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """[start, end) during which the shop's clock is `offset` ahead of UTC."""

    start: dt.datetime
    end: dt.datetime
    offset: dt.timedelta


def day_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants at which local day `start` begins and local day `end` finishes."""
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return first.astimezone(UTC), after.astimezone(UTC)


def offset_spans(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> list[Span]:
    """Split [start, end) where the UTC offset of `tz` changes (daylight saving)."""

    def offset(at: dt.datetime) -> dt.timedelta:
        return at.astimezone(tz).utcoffset() or dt.timedelta(0)

    spans: list[Span] = []
    cursor, current = start, offset(start)
    step = dt.timedelta(hours=6)  # shorter than any time between two offset changes
    probe = start
    while probe < end:
        nxt = min(probe + step, end)
        if offset(nxt) != current:
            # Bisect to the first second with the new offset (changes fall on whole seconds).
            lo, hi = probe, nxt
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == current else (lo, mid)
            hi = hi.replace(microsecond=0)
            if hi < end:
                spans.append(Span(cursor, hi, current))
                cursor, current = hi, offset(hi)
        probe = nxt
    spans.append(Span(cursor, end, current))
    return spans


def local_date(field_name: str, spans: list[Span]) -> Expression:
    """The local calendar date of a datetime column, computed in the database.

    One fixed offset per span, added in SQL, then the date taken in UTC (TruncDate): right
    across daylight saving changes, and no time zone tables needed in the database
    (MariaDB and MySQL have none unless loaded, and without them TruncDate in a named
    zone gives NULL there).
    """

    def date_at(offset: dt.timedelta) -> Expression:
        if connection.vendor == "sqlite":
            # SQLite's own date() reads the stored UTC text; TruncDate would call two
            # Python functions per row (6 times slower on 50,000 orders).
            seconds = f"{int(offset.total_seconds()):+d} seconds"
            return Func(F(field_name), Value(seconds), function="date", output_field=DateField())
        column: Expression = F(field_name)
        if offset:
            column = ExpressionWrapper(
                F(field_name) + Value(offset, output_field=DurationField()),
                output_field=DateTimeField(),
            )
        return TruncDate(column, tzinfo=UTC)

    if len(spans) == 1:
        return date_at(spans[0].offset)
    whens = [When(**{f"{field_name}__lt": s.end}, then=date_at(s.offset)) for s in spans[:-1]]
    return Case(*whens, default=date_at(spans[-1].offset), output_field=DateField())


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):  # a CASE on SQLite comes back as text
        return dt.date.fromisoformat(value[:10])
    return value


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# --- the figures ------------------------------------------------------------------


def sales_per_day(*, start: dt.date, end: dt.date, tz: dt.tzinfo, currency: str) -> list[SalesDay]:
    """Orders with a received payment and their net revenue, per local day they were placed."""
    since, until = day_bounds(start, end, tz)
    day = local_date("created_at", offset_spans(since, until, tz))
    rows = (
        Order.objects.filter(
            created_at__gte=since,
            created_at__lt=until,
            payment_status__in=RECEIVED_PAYMENT,
            currency=currency,
        )
        .values(day=day)
        .annotate(
            orders=Count("id", filter=Q(payment_status__in=KEPT_PAYMENT)),
            paid=Sum("amount_paid"),
            refunded=Sum("amount_refunded"),
        )
        .order_by("day")
    )
    by_day = {_as_date(r["day"]): r for r in rows}
    out = []
    for d in _days(start, end):
        r = by_day.get(d)
        out.append(
            SalesDay(
                day=d,
                orders=int(r["orders"]) if r else 0,
                paid=int(r["paid"] or 0) if r else 0,
                refunded=int(r["refunded"] or 0) if r else 0,
            )
        )
    return out


def top_products(
    *, start: dt.date, end: dt.date, tz: dt.tzinfo, currency: str, by: str, limit: int
) -> list[ProductSales]:
    """Best sellers by line revenue ("revenue") or by units ("units") in kept paid orders."""
    since, until = day_bounds(start, end, tz)
    order = {"revenue": ("-revenue", "-units"), "units": ("-units", "-revenue")}[by]
    rows = (
        OrderLine.objects.filter(
            order__created_at__gte=since,
            order__created_at__lt=until,
            order__payment_status__in=KEPT_PAYMENT,
            order__currency=currency,
        )
        .values("product_id")
        .annotate(
            name=Max("product_name"),
            line_sku=Max("sku"),
            revenue=Sum("line_total"),
            units=Sum("quantity"),
        )
        .order_by(*order, "product_id")[:limit]
    )
    return [
        ProductSales(
            product_id=r["product_id"],
            name=r["name"] if r["product_id"] else "Deleted products",
            sku=r["line_sku"] if r["product_id"] else "",
            revenue=int(r["revenue"] or 0),
            units=int(r["units"] or 0),
        )
        for r in rows
    ]


def low_stock(*, threshold: int, limit: int) -> tuple[list[LowStock], int]:
    """Active sizes of active products with `threshold` or fewer in stock, emptiest first,
    and how many there are."""
    qs = ProductVariant.objects.filter(
        is_active=True, product__is_active=True, stock_quantity__lte=threshold
    )
    rows = list(
        qs.order_by("stock_quantity", "product__name", "position", "id").values_list(
            "product_id", "product__name", "label", "sku", "stock_quantity"
        )[:limit]
    )
    total = len(rows) if len(rows) < limit else qs.count()
    return [LowStock(*row) for row in rows], total


def new_customers_per_day(*, start: dt.date, end: dt.date, tz: dt.tzinfo) -> list[CountDay]:
    """Customer accounts (not staff) created per local day."""
    since, until = day_bounds(start, end, tz)
    day = local_date("date_joined", offset_spans(since, until, tz))
    rows = (
        User.objects.filter(date_joined__gte=since, date_joined__lt=until, is_staff=False)
        .values(day=day)
        .annotate(n=Count("id"))
        .order_by("day")
    )
    by_day = {_as_date(r["day"]): int(r["n"]) for r in rows}
    return [CountDay(d, by_day.get(d, 0)) for d in _days(start, end)]


def quiz_model():
    """The marketing app's QuizResult model, or None while it is not installed."""
    try:
        return apps.get_model("marketing", "QuizResult")
    except LookupError:
        return None


def _quiz_labels() -> dict[str, dict[str, str]]:
    """Answer value -> label for each question, in the quiz's own order (one query)."""
    try:
        from scent.catalog.models import Mood
        from scent.marketing.quiz import questions
    except ImportError:  # the quiz is not built: raw answer values are shown
        return {}
    return {
        q.key: {c.value: c.label for c in q.choices}
        for q in questions(moods=list(Mood.objects.order_by("name")))
    }


def quiz_answers(*, start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[list[QuizQuestion], int]:
    """How often each answer was given to each quiz question, and how many quizzes.

    Every choice of the quiz is listed, those nobody picked with 0.
    """
    model = quiz_model()
    since, until = day_bounds(start, end, tz)
    qs = model.objects.filter(created_at__gte=since, created_at__lt=until)
    labels = _quiz_labels()
    questions = []
    total = 0
    for key, label in QUIZ_QUESTIONS:
        rows = qs.values(answer=KT(f"answers__{key}")).annotate(n=Count("id")).order_by()
        counts = {r["answer"]: int(r["n"]) for r in rows}
        total = max(total, sum(counts.values()))
        choices = labels.get(key, {})
        order = {value: i for i, value in enumerate(choices)}
        values = sorted(
            set(choices) | {v for v in counts if v is not None},
            key=lambda v: (-counts.get(v, 0), order.get(v, len(order)), v),
        )
        answers = [(choices.get(v, v), counts.get(v, 0)) for v in values]
        if counts.get(None):
            answers.append(("(no answer)", counts[None]))
        questions.append(QuizQuestion(key, label, tuple(answers)))
    return questions, total


def dashboard(*, days: int, today: dt.date | None = None, use_cache: bool = True) -> Dashboard:
    """Every figure of the dashboard for the last `days` days up to today (shop time)."""
    if days not in RANGES:
        raise ValueError(f"The dashboard shows {' or '.join(map(str, RANGES))} days, not {days}.")
    tz = ZoneInfo(settings.TIME_ZONE)
    end = today or timezone.localdate(timezone=tz)
    start = end - dt.timedelta(days=days - 1)
    currency = settings.SHOP_CURRENCY
    threshold = settings.SHOP_LOW_STOCK_THRESHOLD
    key = f"dashboard:v1:{days}:{end.isoformat()}:{settings.TIME_ZONE}:{currency}:{threshold}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached

    args = {"start": start, "end": end, "tz": tz}
    stock, stock_count = low_stock(threshold=threshold, limit=LOW_STOCK_LIMIT)
    quiz, quiz_count = quiz_answers(**args) if quiz_model() is not None else (None, 0)
    data = Dashboard(
        days=days,
        start=start,
        end=end,
        time_zone=settings.TIME_ZONE,
        currency=currency,
        sales=tuple(sales_per_day(**args, currency=currency)),
        top_by_revenue=tuple(
            top_products(**args, currency=currency, by="revenue", limit=TOP_PRODUCTS)
        ),
        top_by_units=tuple(top_products(**args, currency=currency, by="units", limit=TOP_PRODUCTS)),
        low_stock=tuple(stock),
        low_stock_count=stock_count,
        low_stock_threshold=threshold,
        new_customers=tuple(new_customers_per_day(**args)),
        quiz=tuple(quiz) if quiz is not None else None,
        quiz_count=quiz_count,
        generated_at=timezone.now(),
    )
    if use_cache:
        cache.set(key, data, CACHE_SECONDS)
    return data
