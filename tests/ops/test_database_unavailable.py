"""The database or Redis going away (a restart, a failover) is an outage, not a bug: visitors
get the shop's 503 page with Retry-After, and queued jobs are retried rather than lost."""

from __future__ import annotations

import pytest
from django.db.utils import InterfaceError, OperationalError
from django.urls import path

from scent.ops.queue.retry import RetryPolicy

pytestmark = pytest.mark.django_db


def _shop_with_a_page_that_raises(settings, exc: Exception) -> None:
    def view(request):
        raise exc

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("t/", view)]})


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError(2006, "Server has gone away"),  # MariaDB restarted under us
        OperationalError(2002, "Can't connect to server on '127.0.0.1' (115)"),
        OperationalError(2013, "Lost connection to server during query"),
        InterfaceError(0, ""),
    ],
    ids=["gone-away", "cannot-connect", "lost-connection", "interface"],
)
def test_a_page_met_by_a_lost_database_answers_the_shops_503_page(client, settings, exc):
    # Given a page whose database query finds no database
    _shop_with_a_page_that_raises(settings, exc)
    client.raise_request_exception = False

    # When a visitor opens it
    response = client.get("/t/")

    # Then they get the shop's "back soon" page, told when to retry, never a 500
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Please come back" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_psycopg_connection_failure_is_a_503_too(client, settings):
    import psycopg

    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.OperationalError as cause:
        exc = OperationalError(*cause.args)
        exc.__cause__ = cause
    _shop_with_a_page_that_raises(settings, exc)
    client.raise_request_exception = False

    assert client.get("/t/").status_code == 503


def test_a_page_met_by_a_redis_restart_answers_the_503_page_too(client, settings):
    from redis.exceptions import ConnectionError as RedisConnectionError

    # Given a page whose cache lookup finds Redis restarting
    _shop_with_a_page_that_raises(
        settings,
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    )
    client.raise_request_exception = False

    # Then the visitor is asked to come back, not shown an error
    response = client.get("/t/")
    assert response.status_code == 503
    assert "Please come back" in response.content.decode()


def test_a_query_error_is_still_a_500_and_not_hidden_as_an_outage(client, settings):
    # Given a page with a broken query (the database is there and says why)
    _shop_with_a_page_that_raises(settings, OperationalError(1054, "Unknown column 'x'"))
    client.raise_request_exception = False

    # Then it is the error it is
    assert client.get("/t/").status_code == 500


def test_a_job_that_met_a_lost_database_is_retried_not_failed():
    # Given the e-mail job's policy (retries SMTP and network errors)
    policy = RetryPolicy(attempts=5, backoff=(60,), on=(OSError,))

    # Then a database restart mid-job is transient too, and a bug is not
    assert policy.retries(OperationalError(2006, "Server has gone away"))
    assert policy.retries(InterfaceError(0, ""))
    assert not policy.retries(ValueError("a bug"))
