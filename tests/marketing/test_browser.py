"""In Debian's Chromium: take the quiz, open a match, add it to the cart; sign up for the
newsletter in the footer and confirm by following the e-mailed link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.marketing.conftest import link_from_outbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def mail_at_commit(settings):
    """QUEUE_CONNECTION=sync: the live server sends queued e-mail at commit, to mail.outbox."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }


def test_quiz_to_recommendation_to_cart(page, shop, screenshot, assert_accessible):
    page.goto("/quiz/")
    assert page.get_by_role("heading", name="How do you want to feel?").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Next").click()  # nothing chosen: explained, not lost
    assert page.get_by_role("alert").inner_text() == "Please choose one answer."

    page.get_by_label("Calm").check()
    screenshot(page, "quiz-step-1-1280")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Citrus").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(re.compile(r"/quiz/intensity/$"))
    page.go_back()  # the browser's back button returns to the previous answer
    page.wait_for_url(re.compile(r"/quiz/family/$"))
    assert page.get_by_label("Citrus").is_checked()
    page.get_by_label("Floral").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Soft and subtle").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Essential oil").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Under $30").check()
    page.get_by_role("button", name="See my matches").click()

    page.wait_for_url(re.compile(r"/quiz/results/$"))
    first = page.locator(".quiz-results .product-card").first
    assert first.get_by_role("link").inner_text() == "Lavender oil"
    assert "Calming · Floral like you asked" in first.locator(".quiz-why").inner_text()
    assert_accessible(page)
    screenshot(page, "quiz-results-1280")

    first.get_by_role("link", name="Lavender oil").click()
    page.wait_for_url(re.compile(r"/products/lavender-oil/$"))
    page.get_by_role("button", name="Add to cart", exact=True).click()
    page.goto("/cart/")
    assert page.get_by_role("link", name="Lavender oil").first.is_visible()


def test_compact_quiz_on_the_home_page_on_a_phone(mobile_page, shop, screenshot):
    page = mobile_page
    page.goto("/")
    quiz = page.locator(".quiz-inline")
    quiz.get_by_label("How do you want to feel?").select_option(label="Sleep")
    quiz.get_by_label("Which scents do you love?").select_option(label="Surprise me")
    quiz.get_by_label("How strong should it be?").select_option(label="Rich and long-lasting")
    quiz.get_by_label("How would you like to enjoy it?").select_option(label="Any of these")
    quiz.get_by_label("What would you like to spend?").select_option(label="No limit")
    screenshot(page, "home-with-quiz-390")
    quiz.get_by_role("button", name="Show my matches").click()

    page.wait_for_url(re.compile(r"/quiz/results/$"))
    assert page.locator(".quiz-results .card-title").first.inner_text() == "Stone diffuser"
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, "quiz-results-390")


def test_newsletter_double_opt_in_by_the_emailed_link(page, shop, mail_at_commit, screenshot):
    from scent.marketing.models import Subscriber

    page.goto("/")
    screenshot(page, "home-with-quiz-1280")
    page.goto("/products/")
    footer = page.locator("footer")
    footer.get_by_role("textbox").fill("Ada@Example.com")
    footer.get_by_role("button", name="Subscribe").click()

    assert page.get_by_text("we've sent you an e-mail with a link to confirm").is_visible()
    assert Subscriber.objects.get().status == "pending"

    page.goto(urlsplit(link_from_outbox("/newsletter/confirm/")).path)

    assert page.get_by_role("heading", name="You're subscribed").is_visible()
    assert page.get_by_text("ada@example.com").first.is_visible()
    assert Subscriber.objects.get().status == "confirmed"
    screenshot(page, "newsletter-confirmed-1280")


def test_buyer_reviews_and_keeps_a_wishlist(page, shop, customer, screenshot, assert_accessible):
    from scent.marketing import services
    from scent.marketing.models import Review
    from tests.marketing.conftest import buy

    buy(customer, shop["lavender"])
    page.goto("/accounts/login/?next=/products/lavender-oil/")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/products/lavender-oil/$"))

    page.get_by_role("button", name="Add to wishlist").click()
    assert page.get_by_role("button", name="On your wishlist (remove)").is_visible()
    page.get_by_role("link", name="Write a review").click()
    page.get_by_label("4 stars").check()
    page.get_by_label("Title (optional)").fill("Calm nights")
    page.get_by_label("Your review").fill("Two drops on the pillow and I sleep through.")
    page.get_by_role("button", name="Send review").click()
    assert page.get_by_text("Your review will appear once our team has read it").is_visible()

    services.reviews_moderate(reviews=Review.objects.all(), status="approved")
    page.reload()
    reviews = page.locator("#reviews")
    assert "4.0 out of 5" in reviews.inner_text()
    assert reviews.get_by_role("heading", name="Calm nights").is_visible()
    assert reviews.get_by_text("Ada L.").is_visible()
    assert_accessible(page)
    screenshot(page, "product-with-reviews-1280")

    page.goto("/products/")
    assert page.get_by_role("button", name="Remove Lavender oil from your wishlist").is_visible()
    page.get_by_role("button", name="Add Lemon oil to your wishlist").click()
    # The heart posts a form: wait for the list it comes back to before the screenshot.
    expect(page.get_by_role("button", name="Remove Lemon oil from your wishlist")).to_be_visible()
    screenshot(page, "product-list-hearts-1280", full_page=False)
    page.goto("/account/wishlist/")
    assert page.locator(".product-card").count() == 2
    assert_accessible(page)
    screenshot(page, "account-wishlist-1280")


def test_quiz_and_newsletter_in_dark_mode_pass_axe(new_page, shop, screenshot, assert_accessible):
    page = new_page(color_scheme="dark")
    page.goto("/")
    assert_accessible(page)
    screenshot(page, "home-dark-1280")
    page.locator(".quiz-inline").get_by_role("button", name="Show my matches").click()
    assert page.get_by_text("Please choose one.").first.is_visible()  # 400 page with the errors
    assert_accessible(page)
    page.goto("/quiz/")
    page.get_by_label("Sleep").check()
    assert_accessible(page)
    screenshot(page, "quiz-step-dark-1280")
