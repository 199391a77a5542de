"""A planned maintenance 503 is logged once, at info: no error line, no Sentry event."""

import logging

import pytest

from scent.ops import maintenance

pytestmark = pytest.mark.django_db


def test_maintenance_503_is_one_info_access_line_and_no_error(client, caplog):
    # given the shop is down for maintenance
    maintenance.go_down(retry=60)
    try:
        # when a shopper visits
        with caplog.at_level(logging.INFO):
            response = client.get("/products/")
    finally:
        maintenance.go_up()
    # then they get the 503 page, logged once at info by the access logger
    assert response.status_code == 503
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == []
    access = [r for r in caplog.records if r.name == "scent.request"]
    assert len(access) == 1 and access[0].levelno == logging.INFO
    assert access[0].status == 503


def test_a_real_server_error_is_still_logged_as_an_error(client, caplog, settings):
    # given a page whose templates cannot be found (a crash inside a real view)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False, "OPTIONS": {"loaders": []}}
    ]
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get("/products/")
    assert response.status_code == 500
    access = [r for r in caplog.records if r.name == "scent.request"]
    assert access and access[0].levelno == logging.ERROR
