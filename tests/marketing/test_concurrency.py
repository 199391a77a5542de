"""Simultaneous sign-ups and wishlist clicks with real connections: one row, one e-mail.

Runs on whatever database the suite runs on (DB_CONNECTION=sqlite / mariadb / pgsql).
"""

from __future__ import annotations

from collections import Counter

import pytest

from scent.marketing import services
from scent.marketing.models import Review, Subscriber, WishlistItem
from tests.factories import ProductFactory, UserFactory
from tests.marketing.conftest import buy
from tests.orders.support import queued_emails, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CLICKS = 8


def test_the_same_address_sent_at_once_makes_one_subscriber_and_one_email():
    results = race(CLICKS, lambda i: services.subscriber_subscribe(email="Ada@Example.com"))

    outcomes = Counter(str(r) for r in results)
    assert outcomes == {"sent": 1, "too_soon": CLICKS - 1}, results
    assert Subscriber.objects.count() == 1
    assert len(queued_emails("newsletter_confirm")) == 1


def test_a_review_form_sent_many_times_at_once_makes_one_review():
    user, product = UserFactory(), ProductFactory()
    buy(user, product)

    results = race(
        CLICKS,
        lambda i: services.review_save(user=user, product=product, rating=5, body=f"Take {i}"),
    )

    assert all(isinstance(r, Review) for r in results), results
    assert Review.objects.count() == 1


def test_double_clicked_wishlist_heart_keeps_one_item():
    user, product = UserFactory(), ProductFactory()

    results = race(CLICKS, lambda i: services.wishlist_add(user=user, product=product))

    assert sorted(results) == [False] * (CLICKS - 1) + [True], results
    assert WishlistItem.objects.count() == 1
