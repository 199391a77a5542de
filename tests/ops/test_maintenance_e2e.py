"""Maintenance mode over real HTTP: `scent down` in one process, gunicorn in another."""

from __future__ import annotations

import re

import pytest

from tests.ops.prod_server import ProdShop, scent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    server = ProdShop(tmp_path_factory.mktemp("maint"), collectstatic=True)
    yield server
    server.close()


def test_down_and_up_reach_a_running_server(shop):
    # given a production shop serving pages (state in the database, as on Fly)
    assert shop.get("/").status == 200

    # when the operator runs `scent down` from another process (another machine)
    out = scent(shop.env, "down", "--with-secret", "--retry", "90", "--refresh", "20").stdout
    secret = re.search(r"https://shop\.test/(\S+)", out).group(1)

    # then within a second every page answers 503 with the shop's maintenance page
    closed = shop.wait_for_status("/", 503)
    assert closed.status == 503
    assert closed.getheader("Retry-After") == "90"
    assert closed.getheader("Refresh") == "20"
    assert b"We're refreshing the shelves" in closed.body
    assert shop.get("/products/").status == 503
    assert shop.get("/admin/login/").status == 503
    # while the load balancer's probe and the static files still answer
    assert shop.get("/up").status == 200
    assert shop.get("/static/css/scent.css").status == 200

    # when the operator visits /<secret>
    bypass = shop.get(f"/{secret}")
    assert bypass.status == 302
    assert bypass.getheader("Location") == "/"
    cookie_header = bypass.getheader("Set-Cookie")
    assert "HttpOnly" in cookie_header and "Secure" in cookie_header
    assert "SameSite=Lax" in cookie_header and "Max-Age=43200" in cookie_header
    cookie = cookie_header.split(";", 1)[0]
    # then the shop works for them, and only for them
    assert shop.get("/", {"Cookie": cookie}).status == 200
    assert shop.get("/").status == 503

    # when `scent down` runs again without --retry, the options are replaced
    scent(shop.env, "down", "--redirect", "/status")
    moved = shop.wait_for_status("/products/", 302)
    assert moved.getheader("Location") == "/status"
    assert moved.getheader("Retry-After") is None

    # when the operator runs `scent up`, everyone gets the shop back
    assert "live" in scent(shop.env, "up").stdout
    assert shop.wait_for_status("/", 200).status == 200
    assert shop.get("/products/").status == 200
