"""The theme cookie: chosen with a plain form, read on the server, so pages paint right away."""

import pytest

from scent.core.theme import COOKIE_NAME

pytestmark = pytest.mark.django_db


def html_tag(response) -> str:
    body = response.content.decode()
    return body[body.index("<html") : body.index(">", body.index("<html")) + 1]


def test_without_a_choice_pages_follow_the_system(client):
    response = client.get("/")

    assert 'data-theme="system"' in html_tag(response)
    assert '<meta name="color-scheme" content="light dark">' in response.content.decode()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_chosen_theme_is_remembered_and_painted_by_the_server(client, theme):
    response = client.post(
        "/theme/",
        {"theme": theme, "next": "/products/"},
        headers={"Referer": "http://testserver/products/?q=rose"},
    )

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/products/?q=rose"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == theme
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"

    page = client.get("/products/")
    body = page.content.decode()
    assert f'data-theme="{theme}"' in html_tag(page)
    assert f'<meta name="color-scheme" content="{theme}">' in body
    assert f'value="{theme}" aria-pressed="true"' in body
    assert 'value="system" aria-pressed="false"' in body


def test_going_back_to_the_system_setting(client):
    client.cookies[COOKIE_NAME] = "dark"

    client.post("/theme/", {"theme": "system", "next": "/"})

    assert 'data-theme="system"' in html_tag(client.get("/"))


def test_the_script_gets_an_empty_answer_and_the_cookie(client):
    response = client.post("/theme/", {"theme": "dark"}, headers={"X-Requested-With": "fetch"})

    assert response.status_code == 204
    assert response.cookies[COOKIE_NAME].value == "dark"


def test_without_a_referer_the_form_goes_back_to_its_page(client):
    response = client.post("/theme/", {"theme": "light", "next": "/cart/"})

    assert response["Location"] == "/cart/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", ""])
def test_only_pages_of_this_shop_are_gone_back_to(client, target):
    response = client.post(
        "/theme/", {"theme": "light", "next": target}, headers={"Referer": target}
    )

    assert response["Location"] == "/"


def test_the_page_never_repeats_a_url_from_its_query_string(client):
    body = client.get("/accounts/login/?next=https://evil.example/").content.decode()

    theme_forms = body[body.index('class="theme-toggle"') :]
    theme_forms = theme_forms[: theme_forms.index("</form>")]
    assert 'name="next" value="/accounts/login/"' in theme_forms
    assert "evil.example" not in theme_forms


@pytest.mark.parametrize("value", ["", "purple", "DARK"])
def test_an_unknown_theme_is_refused_with_a_message(client, value):
    response = client.post("/theme/", {"theme": value})

    assert response.status_code == 400
    assert "Choose a theme: system, light or dark." in response.content.decode()
    assert COOKIE_NAME not in response.cookies


def test_a_tampered_cookie_falls_back_to_the_system(client):
    client.cookies[COOKIE_NAME] = '"><script>'

    response = client.get("/")

    assert 'data-theme="system"' in html_tag(response)


def test_the_theme_form_needs_a_post(client):
    assert client.get("/theme/").status_code == 405


def test_the_theme_form_is_protected_against_cross_site_posts():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/theme/", {"theme": "dark"})

    assert response.status_code == 403


def test_pages_say_they_vary_by_cookie_so_caches_keep_themes_apart(client):
    response = client.get("/products/")

    assert "Cookie" in response["Vary"]
