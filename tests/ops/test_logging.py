"""Log records: request context and redaction of secrets and card data (the real handler chain)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from scent.core.logging import (
    REDACTED,
    JsonFormatter,
    RedactingFilter,
    RequestContextFilter,
    luhn_valid,
)

VISA = "4242424242424242"
AMEX_SPACED = "3782 822463 10005"
STRIPE_SECRET = "sk_live_51Habcdefghijklmnop0123456789"


@pytest.fixture
def json_log(settings):
    """A logger wired exactly like LOGGING's "main" handler, writing JSON to a buffer."""
    settings.STRIPE_SECRET = STRIPE_SECRET
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    for name in settings.LOGGING["handlers"]["main"]["filters"]:
        factory = settings.LOGGING["filters"][name]["()"]
        assert factory in (
            "scent.core.logging.RequestContextFilter",
            "scent.core.logging.RedactingFilter",
        )
        handler.addFilter(
            RequestContextFilter()
            if factory.endswith("RequestContextFilter")
            else RedactingFilter()
        )
    logger = logging.getLogger("tests.ops.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield logger, lines, buffer
    logger.removeHandler(handler)


def test_card_number_and_password_in_a_dict_are_redacted(json_log):
    logger, lines, buffer = json_log
    payment = {
        "email": "ada@example.com",
        "password": "correct horse battery",
        "card": {"number": VISA, "cvc": "314", "exp_month": 12},
    }
    # when a dict with card data is logged as an argument and as an extra field
    logger.info("checkout payload %s", payment, extra={"payload": payment})
    raw = buffer.getvalue()
    # then neither the card number, the CVC nor the password reaches the JSON line
    assert VISA not in raw
    assert "correct horse battery" not in raw
    assert "314" not in raw
    record = lines()[0]
    assert record["payload"]["password"] == REDACTED
    assert record["payload"]["card"]["number"] == REDACTED
    assert record["payload"]["card"]["cvc"] == REDACTED
    # and what is not secret is kept
    assert record["payload"]["email"] == "ada@example.com"
    assert record["payload"]["card"]["exp_month"] == 12
    assert "ada@example.com" in record["message"]


def test_card_numbers_in_free_text_are_redacted_only_when_luhn_valid(json_log):
    logger, lines, _ = json_log
    logger.warning(f"card {AMEX_SPACED} declined; also 4000-0566-5566-5556; order 1234567890123")
    message = lines()[0]["message"]
    assert "3782" not in message and "5556" not in message
    assert message.count(REDACTED) == 2
    # a 13-digit number that is not a card (Luhn fails) stays readable
    assert not luhn_valid("1234567890123")
    assert "1234567890123" in message


def test_key_value_secrets_headers_and_configured_values(json_log, settings):
    logger, lines, buffer = json_log
    logger.info("login password=hunter2hunter2 user=ada")
    logger.info('body {"password": "s3cret-pass", "token": "tok_abcdef", "qty": 2}')
    logger.info("Authorization: Bearer eyJhbGciOi.payload.signature")
    logger.info(f"stripe key {STRIPE_SECRET} and app key {settings.SECRET_KEY}")
    logger.info(
        "headers", extra={"headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"}}
    )
    raw = buffer.getvalue()
    for secret in (
        "hunter2hunter2",
        "s3cret-pass",
        "tok_abcdef",
        "eyJhbGciOi",
        STRIPE_SECRET,
        settings.SECRET_KEY,
        "dXNlcjpwYXNz",
    ):
        assert secret not in raw
    messages = [line["message"] for line in lines()]
    assert "user=ada" in messages[0]
    assert '"qty": 2' in messages[1]
    assert lines()[4]["headers"] == {"Authorization": REDACTED, "Accept": "*/*"}


def test_tracebacks_are_redacted(json_log):
    logger, lines, buffer = json_log
    try:
        raise ValueError(f"charge failed for card {VISA} with password=hunter2hunter2")
    except ValueError:
        logger.exception("payment error")
    raw = buffer.getvalue()
    assert VISA not in raw and "hunter2hunter2" not in raw
    assert "ValueError" in lines()[0]["exception"]


def test_request_context_is_on_every_record(json_log, client, db):
    logger, lines, _ = json_log

    from scent.core.logging import request_context

    token = request_context.set({"request_id": "req-12345678", "path": "/cart/", "method": "GET"})
    try:
        logger.info("inside a request")
    finally:
        request_context.reset(token)
    logger.info("outside a request")
    inside, outside = lines()
    assert inside["request_id"] == "req-12345678"
    assert inside["path"] == "/cart/"
    assert inside["user_id"] is None
    assert "request_id" not in outside


def test_text_format_is_redacted_too(settings):
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("{levelname} {message}", style="{"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.ops.redaction.text")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("card %s cvc=%s", VISA, "999")
    finally:
        logger.removeHandler(handler)
    assert buffer.getvalue() == f"ERROR card {REDACTED} cvc={REDACTED}\n"


def test_access_line_and_request_id_header(client, db, caplog):
    caplog.set_level(logging.INFO, logger="scent.request")
    response = client.get("/", HTTP_X_REQUEST_ID="abc.DEF-12345678")
    assert response["X-Request-ID"] == "abc.DEF-12345678"
    (record,) = [r for r in caplog.records if r.name == "scent.request"]
    assert record.status == response.status_code
    assert record.duration_ms >= 0
    assert record.getMessage().startswith("GET / ")


def test_digits_inside_an_id_are_not_taken_for_a_card_number(json_log):
    """Given a Stripe event id whose digits happen to pass Luhn, when it is logged, then it
    stays whole (a warning that names the event must name it), and a card beside it goes."""
    logger, lines, _ = json_log
    event_id = "evt_d20f5641573749559b5d3c4b"
    assert luhn_valid("5641573749559")

    logger.warning(f"stripe event ignored: {event_id}; card {VISA}")

    message = lines()[0]["message"]
    assert event_id in message
    assert VISA not in message and message.count(REDACTED) == 1
