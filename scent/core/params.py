"""Numbers taken from a request, parsed within bounds: ids, quantities, page numbers, prices.

Every id, quantity, page and price a view reads from request.GET/POST, a JSON body or a
URL goes through one of the parsers here (Django forms use bounded fields with the same
limits). Anything out of range, or not a plain number, raises BadParameter, whose message
is written for a person. BadParameter is a django BadRequest: a view may catch it and
show its message, and one it does not catch is answered 400 by `bad_request` below
(the project's handler400), never 500 and never with anything saved.

URLs use the bounded converters registered in scent.core.apps: `<id:pk>` (an id a bigint
holds) and `<ref:number>` (an order number: letters, digits, "-" and "_"); anything else
in their place is a 404.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.template import loader

from scent.core.money import MAX_AMOUNT, parse_amount

# A signed 64-bit integer: what SQLite INTEGER, MariaDB BIGINT and PostgreSQL bigint hold.
MAX_ID = 2**63 - 1
MAX_QUANTITY = 99  # of one size in a cart
MAX_PAGE = 1_000_000  # far beyond the catalogue; keeps OFFSET arithmetic small
MAX_PRICE = MAX_AMOUNT  # the price column: a 32-bit signed integer of minor units

# ASCII digits only: int() would also take " 1_0 ", "+5", "١٢" and 4,300-digit strings.
_DIGITS = re.compile(r"[0-9]{1,20}")


class BadParameter(BadRequest):
    """A number from a request is missing, not a number, or out of range."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(message)


def parse_int(
    value: object,
    *,
    name: str,
    low: int,
    high: int,
    invalid: str | None = None,
    too_low: str | None = None,
    too_high: str | None = None,
) -> int:
    """A whole number low..high from request text (surrounding spaces allowed), or BadParameter."""
    if isinstance(value, bool):
        value = None
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if not _DIGITS.fullmatch(text.removeprefix("-")):
        raise BadParameter(name, invalid or f"Enter a whole number for {name}.")
    number = int(text)
    if number < low:
        raise BadParameter(name, too_low or f"{name} must be at least {low}.")
    if number > high:
        raise BadParameter(name, too_high or f"{name} must be at most {high}.")
    return number


def parse_id(value: object, *, name: str = "id") -> int:
    """A database id: 1..2**63-1."""
    message = f"{name} is not a valid id."
    return parse_int(
        value, name=name, low=1, high=MAX_ID, invalid=message, too_low=message, too_high=message
    )


def optional_id(value: object, *, name: str = "id") -> int | None:
    """An id, or None when the field is absent or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_id(value, name=name)


def parse_quantity(
    value: object, *, name: str = "quantity", low: int = 1, high: int = MAX_QUANTITY
) -> int:
    """How many of one size: low..high (the cart allows 1..99; 0 where it means remove)."""
    return parse_int(
        value,
        name=name,
        low=low,
        high=high,
        invalid="Please enter a whole number for the quantity.",
        too_low=f"The quantity must be at least {max(low, 1)}.",
        too_high=f"You can order at most {high} of one product.",
    )


def parse_page(value: object, *, name: str = "page", high: int = MAX_PAGE) -> int:
    """A page number 1..high; an absent or blank one is page 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    return parse_int(
        value,
        name=name,
        low=1,
        high=high,
        invalid="Enter a page number such as 2.",
        too_low="Pages start at 1.",
        too_high="That page number is too large.",
    )


def parse_price(value: object, currency: str, *, name: str = "price", high: int = MAX_PRICE) -> int:
    """A typed amount in major units ("12.50") as minor units, 0..high."""
    text = value if isinstance(value, str) else ""
    try:
        minor = parse_amount(text, currency)
    except ValueError as error:
        raise BadParameter(name, str(error)) from None
    if minor > high:
        raise BadParameter(name, "That amount is too large.")
    return minor


class IdConverter:
    """URL converter `<id:pk>`: like `<int:pk>` but only ids a bigint holds (else 404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        try:
            return parse_id(value)
        except BadParameter:
            raise ValueError(value) from None  # Django reads ValueError as "no match"

    def to_url(self, value: int) -> str:
        return str(value)


class ReferenceConverter:
    """URL converter `<ref:number>`: an order number or similar plain reference.

    Letters, digits, "-" and "_", at most 64: a NUL byte (which PostgreSQL refuses in a
    query, a 500), markup or a 100 kB string in the path is no page (404).
    """

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


_REFERENCE = re.compile(ReferenceConverter.regex)


def plain_reference(value: object) -> str:
    """A reference from a query string (a Stripe id such as pi_123), or "" if it is not one."""
    text = value.strip() if isinstance(value, str) else ""
    return text if _REFERENCE.fullmatch(text) else ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a plain page that says what was wrong, for BadParameter and the like.

    Rendered without the request's context processors (as the 500 page): it also answers
    requests Django refused before any view ran (a bad Host header).
    """
    message = exception.message if isinstance(exception, BadParameter) else ""
    body = loader.get_template("400.html").render({"message": message})
    return HttpResponse(body, status=400)
