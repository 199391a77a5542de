"""Unpaid orders are released by the scheduler (and by hand with a command)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scent.ops.schedule import schedule
from scent.orders import services
from scent.orders.models import Order, OrderStatus
from tests.orders.support import make_checkout, stock

pytestmark = pytest.mark.django_db


def _stale_order(product, minutes: int) -> Order:
    order = services.place_order(checkout=make_checkout([(product, 2)]))
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    return order


def test_the_scheduler_releases_unpaid_orders_every_five_minutes(lavender, settings):
    settings.PENDING_ORDER_TIMEOUT = 60
    order = _stale_order(lavender, 61)
    job = schedule.get("orders:release-expired")

    assert job.cron == "*/5 * * * *"
    assert job.action() == 1

    order.refresh_from_db()
    lavender.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock(lavender) == 5


def test_the_command_reports_what_it_released(lavender):
    _stale_order(lavender, 20)
    out = StringIO()

    call_command("release_expired_orders", "--minutes", "15", stdout=out)

    assert out.getvalue().strip() == "Released 1 unpaid order(s) older than 15 minutes."
    with pytest.raises(CommandError, match="at least 1"):
        call_command("release_expired_orders", "--minutes", "0")
