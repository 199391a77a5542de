"""The staff sales dashboard page (wrapped in admin.site.admin_view in scent/urls.py)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from scent.core.money import format_money
from scent.dashboard import selectors
from scent.dashboard.charts import Point, bar_list_chart, column_chart, line_chart


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _long(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _charts(data: selectors.Dashboard) -> dict:
    money = partial(format_money, currency=data.currency)
    period = f"{_long(data.start)} to {_long(data.end)}"
    charts = {
        "revenue": column_chart(
            chart_id="chart-revenue",
            title=f"Revenue per day, last {data.days} days",
            desc=f"{money(data.revenue)} in total from {period}.",
            points=[
                Point(_short(d.day), d.revenue, f"{_long(d.day)}: {money(d.revenue)}")
                for d in data.sales
            ],
            y_format=lambda amount: money(amount).removesuffix(".00"),
            empty="No paid orders in this period",
        ),
        "orders": column_chart(
            chart_id="chart-orders",
            title=f"Paid orders per day, last {data.days} days",
            desc=f"{_plural(data.orders, 'order')} from {period}.",
            points=[
                Point(_short(d.day), d.orders, f"{_long(d.day)}: {_plural(d.orders, 'order')}")
                for d in data.sales
            ],
            empty="No paid orders in this period",
            left=48,
        ),
        "customers": line_chart(
            chart_id="chart-customers",
            title=f"New customers per day, last {data.days} days",
            desc=f"{_plural(data.customers, 'new customer')} from {period}.",
            points=[
                Point(_short(d.day), d.count, f"{_long(d.day)}: {_plural(d.count, 'sign-up')}")
                for d in data.new_customers
            ],
            empty="No new customers in this period",
        ),
        "top_revenue": bar_list_chart(
            chart_id="chart-top-revenue",
            title=f"Top products by revenue, last {data.days} days",
            desc=", ".join(f"{p.name}: {money(p.revenue)}" for p in data.top_by_revenue)
            or "No sales in this period.",
            rows=[
                Point(p.name, p.revenue, f"{p.name}: {money(p.revenue)}")
                for p in data.top_by_revenue
            ],
            value_format=money,
            empty="No sales in this period",
        ),
        "top_units": bar_list_chart(
            chart_id="chart-top-units",
            title=f"Top products by units sold, last {data.days} days",
            desc=", ".join(f"{p.name}: {p.units:,}" for p in data.top_by_units)
            or "No sales in this period.",
            rows=[
                Point(p.name, p.units, f"{p.name}: {_plural(p.units, 'unit')}")
                for p in data.top_by_units
            ],
            empty="No sales in this period",
        ),
    }
    quiz = []
    for q in data.quiz or ():
        quiz.append(
            {
                "question": q,
                "chart": bar_list_chart(
                    chart_id=f"chart-quiz-{q.key}",
                    title=f"Quiz answers: {q.label}",
                    desc=", ".join(f"{a}: {n:,}" for a, n in q.answers) or "No answers.",
                    rows=[Point(a, n, f"{a}: {_plural(n, 'answer')}") for a, n in q.answers],
                    empty="No quizzes taken in this period",
                ),
            }
        )
    charts["quiz"] = quiz
    return charts


def _admin_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # that admin is not registered
        return ""


def sales_dashboard(request: HttpRequest) -> HttpResponse:
    """Revenue, orders, best sellers, low stock, sign-ups and quiz answers for 30 or 90 days."""
    raw = request.GET.get("days", str(selectors.DEFAULT_RANGE))
    days = next((n for n in selectors.RANGES if raw == str(n)), None)
    if days is None:
        days = selectors.DEFAULT_RANGE
        messages.warning(
            request,
            f"The dashboard shows the last 30 or 90 days, not {raw[:20]!r}; "
            f"showing the last {days} days.",
        )
    data = selectors.dashboard(days=days)
    context = {
        **admin.site.each_context(request),
        "title": "Sales dashboard",
        "data": data,
        "charts": _charts(data),
        "ranges": selectors.RANGES,
        "kept_statuses": ", ".join(s.label for s in selectors.KEPT_PAYMENT),
        "received_statuses": ", ".join(s.label for s in selectors.RECEIVED_PAYMENT),
        "product_list_url": reverse("admin:catalog_product_changelist"),
        "quiz_list_url": _admin_url("admin:marketing_quizresult_changelist"),
        "cache_seconds": selectors.CACHE_SECONDS,
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context)
