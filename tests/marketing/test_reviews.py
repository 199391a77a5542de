"""Reviews: only buyers may write one per product, staff moderate, product pages show
the average and approved reviews, the home page shows testimonials."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from scent.marketing import services
from scent.marketing.models import Review, ReviewStatus
from scent.marketing.models import Testimonial as StaffQuote  # not collected as a test
from scent.orders.models import OrderStatus
from tests.factories import UserFactory
from tests.marketing.conftest import buy

pytestmark = pytest.mark.django_db


def review(
    product, *, rating=5, status=ReviewStatus.APPROVED, featured=False, body="Lovely.", user=None
):
    user = user or UserFactory(first_name="Grace", last_name="Hopper")
    return Review.objects.create(
        product=product, user=user, rating=rating, body=body, status=status, is_featured=featured
    )


def test_a_buyer_writes_a_review_that_waits_for_moderation(client, shop, customer):
    lavender = shop["lavender"]
    buy(customer, lavender)
    client.force_login(customer)

    assert b"Write a review" in client.get("/products/lavender-oil/").content
    response = client.post(
        "/reviews/lavender-oil/",
        {"rating": "4", "title": "Calm nights", "body": "Two drops on my pillow."},
    )

    assert response.status_code == 302
    assert response["Location"] == "/products/lavender-oil/#reviews"
    saved = Review.objects.get()
    assert (saved.rating, saved.status, saved.user) == (4, ReviewStatus.PENDING, customer)
    page = client.get("/products/lavender-oil/").content.decode()
    assert "it will appear once our team has read it" in page
    assert "Two drops on my pillow." not in page  # not approved yet


@pytest.mark.parametrize(
    "status", [OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.REFUNDED]
)
def test_unpaid_cancelled_or_refunded_orders_do_not_count(client, shop, customer, status):
    buy(customer, shop["lavender"], status=status)
    client.force_login(customer)

    response = client.post("/reviews/lavender-oil/", {"rating": "5", "body": "Great"})

    assert response.status_code == 403
    assert b"You can review products you have bought" in response.content
    assert not Review.objects.exists()


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED])
def test_paid_shipped_and_delivered_orders_count(shop, customer, status):
    buy(customer, shop["lavender"], status=status)

    saved = services.review_save(user=customer, product=shop["lavender"], rating=5, body="Yes")

    assert saved.pk


def test_buying_another_product_is_not_enough(client, shop, customer):
    buy(customer, shop["lemon"])
    client.force_login(customer)

    with pytest.raises(services.ReviewNotAllowed):
        services.review_save(user=customer, product=shop["lavender"], rating=5, body="Hm")
    assert b"Reviews are open to customers" in client.get("/products/lavender-oil/").content


def test_guests_are_sent_to_log_in(client, shop):
    response = client.get("/reviews/lavender-oil/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/reviews/lavender-oil/"


def test_one_review_per_product_editing_sends_it_back_to_moderation(client, shop, customer):
    buy(customer, shop["lavender"])
    buy(customer, shop["lavender"])  # bought twice: still one review
    client.force_login(customer)
    client.post("/reviews/lavender-oil/", {"rating": "3", "body": "Fine."})
    Review.objects.update(status=ReviewStatus.APPROVED)

    form = client.get("/reviews/lavender-oil/").content.decode()
    assert "Edit your review" in form and "Fine." in form
    client.post("/reviews/lavender-oil/", {"rating": "5", "body": "Grew on me."})

    saved = Review.objects.get()
    assert (saved.rating, saved.body, saved.status) == (5, "Grew on me.", ReviewStatus.PENDING)
    with pytest.raises(IntegrityError):
        Review.objects.create(product=shop["lavender"], user=customer, rating=1, body="again")


def test_bad_ratings_are_form_errors(client, shop, customer):
    buy(customer, shop["lavender"])
    client.force_login(customer)

    for rating in ("0", "6", "five", ""):
        response = client.post("/reviews/lavender-oil/", {"rating": rating, "body": "x"})
        assert response.status_code == 200
        assert (
            b"Choose a rating from 1 to 5 stars." in response.content
            or b"Select a valid choice" in response.content
        )
    assert not Review.objects.exists()


def test_database_refuses_a_rating_outside_1_to_5(shop, customer):
    with pytest.raises(IntegrityError):
        Review.objects.create(product=shop["lavender"], user=customer, rating=9, body="x")


def test_product_page_shows_average_and_approved_reviews_only(client, shop):
    lavender = shop["lavender"]
    review(lavender, rating=5, body="Sleep like a baby.")
    review(lavender, rating=4, body="Nice and soft.")
    review(lavender, rating=1, status=ReviewStatus.PENDING, body="Pending rant")
    review(lavender, rating=1, status=ReviewStatus.REJECTED, body="Rejected rant")

    html = client.get("/products/lavender-oil/").content.decode()

    assert "4.5 out of 5" in html
    assert "(2 reviews)" in html
    assert "Sleep like a baby." in html and "Nice and soft." in html
    assert "rant" not in html
    assert "Grace H." in html  # never the e-mail address
    assert "@" not in html.split('id="reviews"')[1].split("</section>")[0]


def test_product_without_reviews_says_so(client, shop):
    html = client.get("/products/lemon-oil/").content.decode()

    assert "No reviews yet." in html
    assert "out of 5" not in html


def test_staff_approve_and_reject_in_the_admin(client, shop, admin_user):
    pending = [review(shop["lavender"], status=ReviewStatus.PENDING) for _ in range(2)]
    other = review(shop["lemon"], status=ReviewStatus.PENDING, featured=True)
    client.force_login(admin_user)

    listing = client.get("/admin/marketing/review/?status__exact=pending")
    assert listing.status_code == 200
    client.post(
        "/admin/marketing/review/",
        {"action": "approve", "_selected_action": [r.pk for r in pending]},
    )
    client.post("/admin/marketing/review/", {"action": "reject", "_selected_action": [other.pk]})

    statuses = dict(Review.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in pending] == ["approved", "approved"]
    other.refresh_from_db()
    assert other.status == "rejected" and not other.is_featured and other.moderated_at
    assert "(2 reviews)" in client.get("/products/lavender-oil/").content.decode()


def test_home_testimonials_from_staff_quotes_and_featured_reviews(client, shop):
    StaffQuote.objects.create(
        quote="The shop smells like my grandmother's garden.", author="Maya, Bath"
    )
    StaffQuote.objects.create(quote="Hidden quote", author="Nobody", is_active=False)
    review(shop["lavender"], featured=True, body="My evening ritual now.")
    review(shop["lemon"], featured=True, status=ReviewStatus.PENDING, body="Not approved yet")
    review(shop["lemon"], featured=False, body="Approved but not featured")

    html = client.get("/").content.decode()

    assert "Kind words" in html
    assert "grandmother&#x27;s garden" in html and "Maya, Bath" in html
    assert "My evening ritual now." in html and "Grace H., on Lavender oil" in html
    assert "Hidden quote" not in html
    assert "Not approved yet" not in html and "Approved but not featured" not in html


def test_no_testimonials_no_section(client, shop):
    assert "Kind words" not in client.get("/").content.decode()


def test_product_page_query_budget_with_reviews(
    client, shop, customer, django_assert_max_num_queries
):
    for _ in range(12):
        review(shop["lavender"])
    buy(customer, shop["lavender"])
    client.force_login(customer)

    # the signed-in product page budget (tests/catalog/test_views_queries.py): 11
    with django_assert_max_num_queries(11):
        response = client.get("/products/lavender-oil/")

    assert response.status_code == 200
    assert "(12 reviews)" in response.content.decode()


def test_admin_pages_render_for_staff(client, shop, admin_user):
    from scent.marketing.models import QuizResult, Subscriber, WishlistItem

    saved = review(shop["lavender"])
    StaffQuote.objects.create(quote="Lovely", author="Maya")
    quiz = QuizResult.objects.create(answers={"mood": "calm"}, product_ids=[shop["lemon"].pk])
    subscriber = Subscriber.objects.create(email="ada@example.com")
    item = WishlistItem.objects.create(user=admin_user, product=shop["lemon"])
    client.force_login(admin_user)

    for url in [
        "/admin/marketing/review/",
        f"/admin/marketing/review/{saved.pk}/change/",
        "/admin/marketing/testimonial/",
        "/admin/marketing/testimonial/add/",
        f"/admin/marketing/quizresult/{quiz.pk}/change/",
        f"/admin/marketing/subscriber/{subscriber.pk}/change/",
        "/admin/marketing/wishlistitem/",
        f"/admin/marketing/wishlistitem/{item.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/marketing/review/add/").status_code == 403
