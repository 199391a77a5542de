"""Maintenance mode: `scent down` / `scent up` with Laravel's HTTP semantics."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scent.ops import maintenance
from scent.ops.maintenance import BYPASS_COOKIE, is_down, maintenance_state

pytestmark = pytest.mark.django_db

DRIVERS = ["database", "cache", "file"]


@pytest.fixture(params=DRIVERS)
def driver(request, settings):
    settings.MAINTENANCE_DRIVER = request.param
    maintenance.clear_local_cache()
    yield request.param
    maintenance.go_up()


@pytest.fixture
def down(settings):
    """Take the shop down with the given options (file driver from conftest); up afterwards."""

    def _down(*args: str) -> str:
        out = StringIO()
        call_command("down", *args, stdout=out)
        return out.getvalue()

    yield _down
    maintenance.go_up()


def test_each_driver_stores_state_until_up(driver):
    # given a shop that is up
    assert is_down() is False
    # when the operator takes it down with options
    maintenance.go_down(secret="letmein", retry=60, refresh=15, status=503)
    # then every reader sees the state
    state = maintenance_state()
    assert is_down() is True
    assert (state.secret, state.retry, state.refresh, state.status) == ("letmein", 60, 15, 503)
    # when it comes back up, nobody sees it down any more
    assert maintenance.go_up() is True
    assert is_down() is False
    assert maintenance.go_up() is False


def test_down_again_updates_options_but_keeps_start_time(driver):
    first = maintenance.go_down(retry=60)
    second = maintenance.go_down(refresh=5)
    assert maintenance_state().retry is None
    assert maintenance_state().refresh == 5
    assert second.started_at == first.started_at


def test_database_driver_reads_are_cached_in_process_for_the_ttl(
    settings, django_assert_num_queries
):
    # given the database driver and a 60 s in-process cache
    settings.MAINTENANCE_DRIVER = "database"
    settings.MAINTENANCE_STATE_TTL = 60
    maintenance.clear_local_cache()
    # then the first read queries and the next ones don't
    with django_assert_num_queries(1):
        is_down()
        is_down()
        is_down()


def test_database_state_written_elsewhere_is_seen_after_the_ttl(settings):
    # given a web process that has just read "up" (with no in-process caching)
    from scent.ops.models import MaintenanceMode

    settings.MAINTENANCE_DRIVER = "database"
    settings.MAINTENANCE_STATE_TTL = 0
    assert is_down() is False
    # when another machine writes the row directly
    MaintenanceMode.objects.create(started_at=timezone.now(), retry=30)
    # then this process sees it on its next read
    assert is_down() is True
    assert maintenance_state().retry == 30


def test_pages_answer_503_with_the_shop_styled_page(client, down):
    down()
    response = client.get("/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "maintenance" in body and "The Scent" in body
    assert "css/scent.css" in body
    assert "Retry-After" not in response.headers
    assert "Refresh" not in response.headers
    assert "no-store" in response["Cache-Control"]


def test_retry_and_refresh_headers_only_when_given(client, down):
    down("--retry", "120", "--refresh", "15")
    response = client.get("/products/")
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert response["Refresh"] == "15"
    assert "about 2 minutes" in response.content.decode()


def test_custom_status(client, down):
    down("--status", "502")
    assert client.get("/").status_code == 502


def test_admin_is_blocked_and_up_and_static_still_answer(client, down):
    down()
    assert client.get("/admin/").status_code == 503
    assert client.post("/accounts/login/", {"username": "x"}).status_code == 503
    assert client.get("/up").status_code == 200
    static = client.get("/static/css/scent.css")
    assert static.status_code == 200


def test_secret_sets_signed_bypass_cookie_and_site_works(client, down, settings):
    # given the shop is down with a secret
    down("--secret", "open-sesame")
    assert client.get("/").status_code == 503
    # when the operator visits /<secret>
    response = client.get("/open-sesame")
    # then they are sent home with an HttpOnly, SameSite=Lax, expiring cookie
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies[BYPASS_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 12 * 60 * 60
    assert cookie["secure"] == ""  # Secure only in production (SESSION_COOKIE_SECURE)
    # and the shop works normally for them, admin included
    assert client.get("/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    # while everyone else still gets the maintenance page
    from django.test import Client

    assert Client().get("/").status_code == 503


def test_bypass_cookie_is_secure_in_production(client, down, settings):
    settings.SESSION_COOKIE_SECURE = True
    down("--secret", "open-sesame")
    cookie = client.get("/open-sesame").cookies[BYPASS_COOKIE]
    assert cookie["secure"] is True


def test_new_secret_revokes_old_cookies_and_tampered_cookies_fail(client, down):
    down("--secret", "first-secret")
    client.get("/first-secret")
    assert client.get("/").status_code == 200
    # when the operator re-runs down with another secret, the old cookie stops working
    down("--secret", "second-secret")
    assert client.get("/").status_code == 503
    # a forged cookie does not work either
    client.cookies[BYPASS_COOKIE] = "forged:value"
    assert client.get("/").status_code == 503


def test_bypass_cookie_expires(client, down, settings):
    # given an operator with a valid bypass cookie
    down("--secret", "open-sesame")
    client.get("/open-sesame")
    assert client.get("/").status_code == 200
    # when the cookie is older than its lifetime (here: any age is too old)
    settings.MAINTENANCE_BYPASS_COOKIE_AGE = -1
    # then it no longer lets them in
    assert client.get("/").status_code == 503


def test_with_secret_generates_and_prints_one(client, down):
    out = down("--with-secret")
    secret = maintenance_state().secret
    assert secret and len(secret) >= 24
    assert f"/{secret}" in out
    assert client.get(f"/{secret}").status_code == 302


def test_redirect_sends_everyone_there_except_the_target(client, down):
    down("--redirect", "/status/")
    response = client.get("/products/")
    assert response.status_code == 302
    assert response["Location"] == "/status/"
    # the target itself shows the maintenance page instead of looping
    assert client.get("/status/").status_code == 503


def test_redirect_to_another_site(client, down):
    down("--redirect", "https://status.example.com/")
    response = client.get("/status/")
    assert response.status_code == 302
    assert response["Location"] == "https://status.example.com/"


def test_render_picks_another_template(client, down, settings, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "closed.html").write_text("<h1>Closed for stocktaking</h1>{{ APP_NAME }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    down("--render", "closed.html")
    response = client.get("/")
    assert response.status_code == 503
    assert "Closed for stocktaking" in response.content.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--render", "no/such.html"], "no template named"),
        (["--redirect", "javascript:alert(1)"], "--redirect must be"),
        (["--status", "42"], "--status must be"),
        (["--retry", "-5"], "--retry must be"),
        (["--secret", "a/b"], "single URL path segment"),
    ],
)
def test_bad_options_fail_clearly_and_leave_the_shop_up(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("down", *args, stdout=StringIO())
    assert is_down() is False


def test_up_command(down):
    down()
    out = StringIO()
    call_command("up", stdout=out)
    assert "live" in out.getvalue()
    assert is_down() is False
    out = StringIO()
    call_command("up", stdout=out)
    assert "was not in maintenance mode" in out.getvalue()


def test_corrupt_file_still_means_down(settings):
    settings.MAINTENANCE_FILE.parent.mkdir(parents=True, exist_ok=True)
    settings.MAINTENANCE_FILE.write_text("{not json")
    assert is_down() is True
    assert maintenance_state().status == 503


def test_render_template_removed_later_falls_back_to_the_shop_page(
    client, down, settings, tmp_path
):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "closed.html").write_text("Closed")
    original = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**original, "DIRS": [templates, *original["DIRS"]]}]
    down("--render", "closed.html")
    (templates / "closed.html").unlink()
    settings.TEMPLATES = [{**settings.TEMPLATES[0]}]  # a restarted process: no cached template
    response = client.get("/")
    assert response.status_code == 503
    assert "We're refreshing the shelves" in response.content.decode()
