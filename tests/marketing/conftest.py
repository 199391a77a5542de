"""Fixtures for the marketing tests: a small catalogue, buyers, queued e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from scent.catalog.models import ScentFamily
from scent.orders.models import Order, OrderLine, OrderStatus, PaymentStatus

# The browser harness (Chromium via Playwright) for test_browser.py.
from tests.e2e.conftest import (  # noqa: F401
    assert_accessible,
    browser,
    mobile_page,
    new_page,
    page,
    screenshot,
)
from tests.factories import CategoryFactory, MoodFactory, ProductFactory, UserFactory, variant_of

# `scent` subprocesses on this test's database, for test_campaign_killed.py.
from tests.ops.conftest import scent_env, scent_process  # noqa: F401


@pytest.fixture
def immediate_queue(settings, django_capture_on_commit_callbacks):
    """QUEUE_CONNECTION=sync: queued jobs (e-mails) run at commit, into mail.outbox."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def shop(db):
    """Three categories, three moods and six products that match quiz answers differently."""
    oils = CategoryFactory(name="Essential oils", slug="essential-oils")
    candles = CategoryFactory(name="Candles", slug="candles")
    diffusers = CategoryFactory(name="Diffusers", slug="diffusers")
    calm = MoodFactory(name="Calm", slug="calm")
    energy = MoodFactory(name="Energy", slug="energy")
    sleep = MoodFactory(name="Sleep", slug="sleep")
    p = {
        "lavender": ProductFactory(
            name="Lavender oil",
            slug="lavender-oil",
            category=oils,
            price=1800,
            scent_family=ScentFamily.FLORAL,
            moods=[calm, sleep],
        ),
        "rose_candle": ProductFactory(
            name="Rose candle",
            slug="rose-candle",
            category=candles,
            price=3400,
            scent_family=ScentFamily.FLORAL,
            moods=[calm],
        ),
        "lemon": ProductFactory(
            name="Lemon oil",
            slug="lemon-oil",
            category=oils,
            price=900,
            scent_family=ScentFamily.CITRUS,
            moods=[energy],
        ),
        "cedar_candle": ProductFactory(
            name="Cedar candle",
            slug="cedar-candle",
            category=candles,
            price=2600,
            scent_family=ScentFamily.WOODY,
            moods=[calm],
        ),
        "sold_out_rose": ProductFactory(
            name="Rose absolute",
            slug="rose-absolute",
            category=oils,
            price=2900,
            scent_family=ScentFamily.FLORAL,
            moods=[calm],
            stock_quantity=0,
        ),
        "hidden": ProductFactory(
            name="Hidden floral",
            slug="hidden-floral",
            category=oils,
            price=1000,
            scent_family=ScentFamily.FLORAL,
            moods=[calm],
            is_active=False,
        ),
        "diffuser": ProductFactory(
            name="Stone diffuser",
            slug="stone-diffuser",
            category=diffusers,
            price=4500,
            scent_family=ScentFamily.EARTHY,
            moods=[sleep],
        ),
    }
    return p


@pytest.fixture
def customer(db):
    return UserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")


def buy(user, product, *, status=OrderStatus.DELIVERED) -> Order:
    """An order of `user` containing `product`, in `status`."""
    paid = status not in (OrderStatus.PENDING, OrderStatus.CANCELLED)
    order = Order.objects.create(
        number=f"M{Order.objects.count() + 1:07d}",
        user=user,
        email=user.email,
        status=status,
        payment_status=PaymentStatus.PAID if paid else PaymentStatus.UNPAID,
        currency="USD",
        subtotal=product.price,
        total=product.price,
        amount_paid=product.price if paid else 0,
        prices_include_tax=True,
        tax_rate_bps=0,
        shipping_method_name="Standard delivery",
        ship_full_name="Ada Lovelace",
        ship_line1="12 Lavender Lane",
        ship_city="Bath",
        ship_postal_code="BA1 1AA",
        ship_country="GB",
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        variant=variant_of(product),
        product_name=product.name,
        sku=variant_of(product).sku,
        unit_price=product.price,
        quantity=1,
        line_total=product.price,
    )
    return order


def link_from_outbox(pattern: str, *, index: int = -1) -> str:
    """The first URL matching `pattern` in the text body of an outbox message."""
    body = mail.outbox[index].body
    match = re.search(rf"https?://\S*{pattern}\S*", body)
    assert match, body
    return match.group(0)
