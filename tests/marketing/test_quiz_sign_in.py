"""A guest's completed quiz joins the account they sign in to or open in the same
browser session, and only theirs."""

from __future__ import annotations

import pytest
from django.test import Client

from scent.accounts.models import User
from scent.marketing import services
from scent.marketing.models import QuizResult
from tests.factories import UserFactory
from tests.marketing.test_quiz import take_quiz

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
CITRUS = {
    "mood": "energy",
    "family": "citrus",
    "intensity": "balanced",
    "format": "oil",
    "budget": "15",
}


def sign_in(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def quiz_history(client) -> str:
    return client.get("/account/").content.decode()


def test_a_guest_who_signs_in_finds_the_quiz_in_the_account(client, shop, customer):
    take_quiz(client)
    assert "Lavender oil" not in quiz_history(Client())  # nobody's yet

    sign_in(client, customer)

    assert QuizResult.objects.get().user == customer
    history = quiz_history(client)
    assert "Your scent quiz" in history
    assert 'href="/products/lavender-oil/"' in history
    assert client.get("/quiz/results/").status_code == 200  # still this browser's results


def test_a_guest_who_registers_finds_the_quiz_in_the_new_account(client, shop):
    take_quiz(client)

    response = client.post(
        "/accounts/register/",
        {
            "email": "grace@example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "password1": "lavender fields at dusk",
            "password2": "lavender fields at dusk",
        },
    )

    assert response.status_code == 302
    grace = User.objects.get(email="grace@example.com")
    assert QuizResult.objects.get().user == grace
    assert 'href="/products/lavender-oil/"' in quiz_history(client)


def test_only_this_sessions_quiz_is_kept_never_another_guests(client, shop, customer):
    other_guest = Client()
    take_quiz(other_guest, CITRUS)
    take_quiz(client)

    sign_in(client, customer)

    mine = QuizResult.objects.get(user=customer)
    assert mine.answers["family"] == "floral"
    assert QuizResult.objects.get(answers__family="citrus").user is None
    history = quiz_history(client)
    assert history.count('class="quiz-history-date"') == 1  # one quiz in the history: hers


def test_signing_in_without_a_quiz_keeps_the_history_as_it_was(client, shop, customer):
    QuizResult.objects.create(user=None, answers=CITRUS, product_ids=[shop["lemon"].pk])

    sign_in(client, customer)

    assert not QuizResult.objects.filter(user=customer).exists()
    history = quiz_history(client)
    assert "take the scent quiz" in history and "/products/lemon-oil/" not in history


def test_a_quiz_that_belongs_to_an_account_is_never_taken_over(shop, customer):
    adas = QuizResult.objects.create(user=customer, answers=CITRUS, product_ids=[])
    grace = UserFactory(email="grace@example.com")

    claimed = services.quiz_result_claim(result_id=adas.pk, user=grace)

    adas.refresh_from_db()
    assert claimed is False and adas.user == customer


def test_a_damaged_session_value_is_ignored(client, shop, customer):
    session = client.session
    session["quiz_result_id"] = "1 OR 1=1"
    session.save()

    sign_in(client, customer)

    assert client.get("/account/").status_code == 200
    assert not QuizResult.objects.filter(user=customer).exists()
