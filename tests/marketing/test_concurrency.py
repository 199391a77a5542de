"""Simultaneous sign-ups, wishlist clicks and newsletter runs with real connections: one
row, one e-mail.

Runs on whatever database the suite runs on (DB_CONNECTION=sqlite / mariadb / pgsql).
"""

from __future__ import annotations

from collections import Counter

import pytest

from scent.marketing import services
from scent.marketing.models import Review, Subscriber, SubscriberStatus, WishlistItem
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


def test_the_same_newsletter_sent_twice_at_once_reaches_each_subscriber_once():
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{i}@example.com", status=SubscriberStatus.CONFIRMED)
        for i in range(30)
    )

    results = race(
        2,
        lambda i: services.send_newsletter(
            subject="Autumn blends",
            body_template="newsletter_announcement",
            context={"message": "Cedar and clove are back."},
            batch_size=4,
        ),
    )

    assert all(isinstance(r, services.NewsletterSent) for r in results), results
    assert sum(r.queued for r in results) == 30
    sent_to = Counter(job["to"][0] for job in queued_emails("newsletter_announcement"))
    assert len(sent_to) == 30 and set(sent_to.values()) == {1}
