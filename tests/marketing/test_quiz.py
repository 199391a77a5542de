"""The scent quiz: scoring, the step-by-step page without JavaScript, the compact form,
e-mailed results, results kept in the account, and the answer statistics for staff."""

from __future__ import annotations

import pytest
from django.core import mail

from scent.marketing.models import QuizResult
from scent.marketing.quiz import QuizError, clean_answers, recommend
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

FLORAL_OIL = {
    "mood": "calm",
    "family": "floral",
    "intensity": "subtle",
    "format": "oil",
    "budget": "30",
}


def names(recommendations) -> list[str]:
    return [p.name for p in recommendations.products]


def take_quiz(client, answers=FLORAL_OIL):
    """Answer the five steps one POST at a time, as a browser without JavaScript does."""
    response = None
    url = "/quiz/"
    for step in ("mood", "family", "intensity", "format", "budget"):
        response = client.post(url, {"answer": answers[step]})
        assert response.status_code == 302, response.content[:500]
        url = response["Location"]
    return response


# --- scoring -----------------------------------------------------------------------------
def test_best_match_comes_first_with_the_reasons(shop):
    result = recommend(answers=FLORAL_OIL)

    first = result.items[0]
    assert first.product.name == "Lavender oil"
    assert first.why == "Calming · Floral like you asked · Essential oil, as you chose"
    assert not result.over_budget


def test_in_stock_before_sold_out_and_inactive_never(shop):
    result = names(recommend(answers={**FLORAL_OIL, "budget": "any"}))

    assert "Hidden floral" not in result
    assert result.index("Rose absolute") == len(result) - 1  # sold out: last, though a good match
    assert result[:2] == ["Lavender oil", "Rose candle"]


def test_budget_keeps_pricier_products_out(shop):
    result = recommend(answers={**FLORAL_OIL, "budget": "15"})

    assert names(result) == ["Lemon oil"]
    assert "Under $15" in result.items[0].why
    assert "Floral" not in result.items[0].why


def test_the_budget_reads_the_cheapest_size_in_stock(shop):
    # given a floral oil whose 30 ml is over the budget but whose 5 ml is within it
    ProductFactory(
        name="Jasmine oil",
        category=shop["lemon"].category,
        scent_family="floral",
        moods=list(shop["lemon"].moods.all()) + list(shop["lavender"].moods.all()),
        variants=[
            {"label": "5 ml", "sku": "JAS-5", "price": 1400, "stock_quantity": 4},
            {"label": "30 ml", "sku": "JAS-30", "price": 5200, "stock_quantity": 4},
        ],
    )

    result = recommend(answers={**FLORAL_OIL, "budget": "15"})

    # then it is recommended: the budget compares the price it sells from
    assert "Jasmine oil" in names(result)


def test_nothing_in_budget_shows_the_closest_matches_and_says_so(shop):
    shop["lemon"].delete()

    result = recommend(answers={**FLORAL_OIL, "budget": "15"})

    assert result.over_budget
    assert names(result)[0] == "Lavender oil"
    assert "Under" not in result.items[0].why


def test_format_and_family_any_do_not_count(shop):
    result = recommend(
        answers={
            "mood": "sleep",
            "family": "any",
            "intensity": "strong",
            "format": "any",
            "budget": "any",
        }
    )

    assert names(result)[:2] == ["Stone diffuser", "Lavender oil"]
    assert result.items[0].why == "Helps you sleep · Rich, lasting scent"


def test_unknown_answers_are_refused(shop):
    from scent.catalog.models import Mood

    with pytest.raises(QuizError, match="How strong"):
        clean_answers({**FLORAL_OIL, "intensity": "nuclear"}, moods=list(Mood.objects.all()))


# --- the page, one step per POST -------------------------------------------------------------
def test_each_step_is_a_page_and_the_answers_lead_to_results(client, shop):
    first = client.get("/quiz/")
    assert first.status_code == 200
    assert b"How do you want to feel?" in first.content
    assert b'value="calm"' in first.content

    response = client.post("/quiz/", {"answer": "calm"})
    assert response.status_code == 302 and response["Location"] == "/quiz/family/"

    final = take_quiz(client)
    assert final["Location"] == "/quiz/results/"
    page = client.get("/quiz/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lavender oil" in html
    assert "Calming · Floral like you asked" in html
    assert "Hidden floral" not in html
    assert "/products/lavender-oil/" in html


def test_back_shows_the_earlier_answer_selected(client, shop):
    client.post("/quiz/", {"answer": "energy"})
    client.post("/quiz/family/", {"answer": "citrus"})

    page = client.get("/quiz/family/")

    html = page.content.decode()
    assert 'href="/quiz/">Back</a>' in html
    assert (
        'value="citrus" id="id_answer_' in html
        and "checked" in html.split('value="citrus"')[1][:60]
    )


def test_skipping_ahead_goes_back_to_the_first_unanswered_step(client, shop):
    client.post("/quiz/", {"answer": "calm"})

    response = client.get("/quiz/budget/")

    assert response.status_code == 302 and response["Location"] == "/quiz/family/"
    assert client.get("/quiz/nonsense/")["Location"] == "/quiz/"


def test_a_made_up_answer_is_explained_not_a_crash(client, shop):
    response = client.post("/quiz/", {"answer": "<script>"})

    assert response.status_code == 200
    assert b"Please choose one of the answers shown." in response.content
    assert b"<script>" not in response.content


def test_results_without_answers_send_you_to_the_quiz(client, shop):
    assert client.get("/quiz/results/")["Location"] == "/quiz/"


def test_guest_results_are_recorded_for_statistics_only(client, shop):
    take_quiz(client)

    result = QuizResult.objects.get()
    assert result.user is None
    assert result.answers == FLORAL_OIL
    assert result.product_ids[0] == shop["lavender"].pk


def test_signed_in_results_are_kept_in_the_account(client, shop, customer):
    client.force_login(customer)
    take_quiz(client)

    assert QuizResult.objects.get().user == customer
    account = client.get("/account/").content.decode()
    assert "Your scent quiz" in account
    assert 'href="/products/lavender-oil/"' in account
    other = UserFactory()
    client.force_login(other)
    assert "Lavender oil" not in client.get("/account/").content.decode()


def test_restart_clears_the_answers(client, shop):
    take_quiz(client)

    client.post("/quiz/restart/")

    assert client.get("/quiz/results/")["Location"] == "/quiz/"


# --- the compact quiz (home page) ------------------------------------------------------------
def test_home_page_has_the_compact_quiz(client, shop):
    html = client.get("/").content.decode()

    assert 'action="/quiz/quick/"' in html
    for name in ("mood", "family", "intensity", "format", "budget"):
        assert f'name="{name}"' in html


def test_compact_quiz_goes_straight_to_results(client, shop):
    response = client.post("/quiz/quick/", FLORAL_OIL)

    assert response["Location"] == "/quiz/results/"
    assert "Lavender oil" in client.get("/quiz/results/").content.decode()


def test_compact_quiz_with_a_missing_answer_says_which(client, shop):
    response = client.post("/quiz/quick/", {**FLORAL_OIL, "budget": ""})

    assert response.status_code == 400
    assert b"Please choose one." in response.content
    assert not QuizResult.objects.exists()


# --- e-mailed results ------------------------------------------------------------------------
def test_results_can_be_emailed(client, shop, immediate_queue, settings):
    settings.APP_URL = "https://shop.test"
    take_quiz(client)

    with immediate_queue():
        response = client.post("/quiz/results/email/", {"email": "Ada@Example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert "scent quiz" in message.subject.lower()
    assert "Lavender oil ($18.00)" in message.body
    assert "https://shop.test/products/lavender-oil/" in message.body
    assert "Calming · Floral like you asked" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://shop.test/products/lavender-oil/"' in html


def test_emailing_results_needs_a_valid_address_and_stops_after_five(client, shop, immediate_queue):
    take_quiz(client)

    with immediate_queue():
        bad = client.post("/quiz/results/email/", {"email": "not an address"}, follow=True)
    assert "valid e-mail address" in bad.content.decode()
    assert not mail.outbox

    with immediate_queue():
        for n in range(7):
            client.post("/quiz/results/email/", {"email": f"ada{n}@example.com"})
    assert len(mail.outbox) == 5  # per browser session


def test_one_quiz_email_per_address_every_two_minutes(client, shop, immediate_queue):
    take_quiz(client)

    with immediate_queue():
        client.post("/quiz/results/email/", {"email": "ada@example.com"})
        again = client.post("/quiz/results/email/", {"email": "ADA@example.com"}, follow=True)

    assert len(mail.outbox) == 1
    assert "We sent these results to that address a moment ago." in again.content.decode()


# --- staff statistics ------------------------------------------------------------------------
def test_staff_see_how_often_each_answer_was_given(client, shop, admin_user):
    take_quiz(client)
    take_quiz(client, {**FLORAL_OIL, "mood": "energy"})
    take_quiz(client, {**FLORAL_OIL, "mood": "energy", "budget": "any"})
    client.force_login(admin_user)

    page = client.get("/admin/marketing/quizresult/")

    assert page.status_code == 200
    stats = {
        s["title"]: {label: n for label, n, _ in s["rows"]} for s in page.context["quiz_stats"]
    }
    assert stats["How do you want to feel?"] == {"Energy": 2, "Calm": 1}
    assert stats["What would you like to spend?"] == {"Under $30": 2, "No limit": 1}
    assert b"Quiz answers" in page.content


def test_account_page_costs_the_same_with_one_or_three_quiz_results(client, shop, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(customer)
    take_quiz(client)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/account/").status_code == 200
        counts.append(len(queries))
        take_quiz(client, {**FLORAL_OIL, "mood": "energy"})
        take_quiz(client, {**FLORAL_OIL, "mood": "sleep"})

    assert QuizResult.objects.filter(user=customer).count() == 5
    assert counts[0] == counts[1], counts


# --- query budgets ---------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/quiz/", "/quiz/family/", "/quiz/results/"])
def test_quiz_pages_query_budget(client, shop, url, django_assert_max_num_queries):
    take_quiz(client)

    with django_assert_max_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200


def test_ranking_is_cached_for_a_minute(shop, django_assert_num_queries):
    from scent.marketing.quiz import rank

    first = rank(answers=FLORAL_OIL)

    with django_assert_num_queries(0):
        assert rank(answers=FLORAL_OIL) == first


def test_results_page_shows_the_saved_matches_minus_products_since_withdrawn(client, shop):
    take_quiz(client)
    shop["lavender"].is_active = False
    shop["lavender"].save()

    html = client.get("/quiz/results/").content.decode()

    assert "Lavender oil" not in html
    assert "Lemon oil" in html


def test_a_shop_without_moods_has_no_quiz_to_offer_yet(client, db):
    assert b"The quiz needs the shop" in client.get("/quiz/").content
    assert b'action="/quiz/quick/"' not in client.get("/").content


def test_products_matching_nothing_are_left_out(shop):
    result = names(
        recommend(
            answers={
                "mood": "energy",
                "family": "citrus",
                "intensity": "balanced",
                "format": "any",
                "budget": "any",
            }
        )
    )

    assert result == ["Lemon oil"]
