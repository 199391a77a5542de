"""Fuzzing as a permanent test (issue 12): every public endpoint meets hostile input.

Hypothesis walks the URLconf (django.urls.get_resolver): every route outside the staff
admin is requested with its path parameters, its query parameters and the fields of
every form the shop's own pages show for it, filled with hostile values (huge and
negative numbers, NUL bytes, invalid UTF-8 and lone surrogates, 100 kB strings, markup,
malformed JSON). It does so as an anonymous visitor and as a signed-in customer with a
cart, a wishlist, a saved address and an order, always with a valid CSRF token taken
from a page (the test client enforces CSRF as a browser session would meet it).

Given the shop and a visitor, when any of that arrives, then no answer is 5xx, no
markup we sent comes back unescaped in a page, and nothing saved before (the customer's
account, addresses, order, cart, wishlist, the catalogue) is changed or lost.

Bounded and deterministic: a fixed set of examples (one per kind of hostile value) plus
a few derandomised generated ones, so the file runs in well under a minute on SQLite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from scent.accounts.models import Address, User
from scent.cart.models import CartItem
from scent.catalog.models import ProductVariant
from scent.marketing.models import WishlistItem
from scent.marketing.quiz import STEPS
from scent.orders.models import Order, OrderLine
from tests.factories import (
    AddressFactory,
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ShippingMethodFactory,
    UserFactory,
    variant_of,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"

# --- hostile values ----------------------------------------------------------------------
HUGE = "10000000000000000000"  # past a signed 64-bit integer
# Markup we send always carries this marker right after "<", so a page that shows any of
# it unescaped is found by one search (the shop's own HTML never contains it).
MARK = "fzq"
SCRIPT = f'<script>alert("{MARK}")</script>'
ATTRIBUTE = f'"><{MARK} onmouseover=alert(1)>'
MARKUP_RE = re.compile(rf"<{MARK}|<script>alert\(\"{MARK}")

KINDS: dict[str, list[str | bytes]] = {
    "huge number": [HUGE, "-" + HUGE, "9" * 5000, "1e999", "-1", "0"],
    "nul byte": ["1\x00", "\x00", "a\x00b"],
    "invalid utf-8": [b"\xff\xfe", b"\xc3\x28", b"1\x80"],
    "lone surrogate": ["\ud800", "a\udfffb"],
    # One field in eight: the others are still read (and the request stays under Django's
    # 2.5 MB body limit, which would refuse it before any view).
    "100 kB": ["x" * 100_000, "a", "-", "b", "_", "c", "~", "d"],
    "markup": [SCRIPT, ATTRIBUTE],
    "malformed json": ['{"product_id": 1e999, ', "[" * 1000, '{"a": NaN}'],
}

_scalar = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=30),
    st.binary(max_size=12),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"<{MARK}{n} onfocus=alert({n})>"),
    st.sampled_from([v for values in KINDS.values() for v in values]),
)
hostile_values = st.lists(_scalar, min_size=1, max_size=6)


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _encode(fields: dict[str, str | bytes]) -> str:
    return "&".join(
        f"{quote_from_bytes(_bytes(k), safe='')}={quote_from_bytes(_bytes(v), safe='')}"
        for k, v in fields.items()
    )


# --- the walk ----------------------------------------------------------------------------
NOT_FUZZED = ("admin/",)  # staff only: the admin and its sales dashboard
QUERY_PARAMS = (
    "page",
    "q",
    "sort",
    "min_price",
    "max_price",
    "category",
    "family",
    "mood",
    "note",
    "in_stock",
    "size",
    "days",
    "token",
    "next",
    "payment_intent",
)
# For a POST endpoint whose form no page showed (e.g. no cart yet): the fields such
# endpoints read.
GENERIC_FIELDS = ("product_id", "variant_id", "quantity", "next", "expected_total")
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def routes() -> list[str]:
    """Every route of the URLconf as text, e.g. "account/addresses/<id:pk>/edit/"."""

    def walk(patterns, prefix: str):
        for entry in patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, text)
            elif isinstance(entry, URLPattern):
                yield text

    return [r for r in walk(get_resolver().url_patterns, "") if not r.startswith(NOT_FUZZED)]


@dataclass
class Target:
    method: str
    path: str
    fields: tuple[str, ...]
    defaults: dict[str, str] = field(default_factory=dict)  # as the page filled them


class _Forms(HTMLParser):
    """The forms of a page: method, action, and each field with the value the page gave it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.forms.append((method, attrs.get("action") or "", {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1][2]
        name = attrs.get("name")
        if tag == "option" and self._select is not None:
            if self._select not in fields or "selected" in attrs:
                fields[self._select] = attrs.get("value") or ""
        elif tag in ("input", "textarea", "button") and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(name, attrs.get("value") or "on")
            else:
                fields[name] = attrs.get("value") or fields.get(name, "")
        elif tag == "select" and name:
            self._select = name

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


# Fields that hold an id are also fuzzed with the rest of the form as the page filled it:
# a bad id behind a valid quantity is what once crashed the cart.
_ID_FIELD = re.compile(r"(^|_)(id|pk)$")
# A number that could be a valid choice (a quantity of 0 removes a line): not "hostile".
_PLAUSIBLE = re.compile(r"\s*\+?[0-9]{1,6}\s*")


def _plausible(value) -> bool:
    return isinstance(value, str) and bool(_PLAUSIBLE.fullmatch(value))


@dataclass
class Shop:
    customer: User
    order: Order
    good: dict[str, str]  # a valid value for each path parameter name
    generic_defaults: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def shop(db, settings):
    settings.RATELIMIT_ENABLE = False  # one client sends hundreds of requests here
    oils = CategoryFactory(name="Essential oils", slug="essential-oils")
    oil = ProductFactory(name="Lavender Oil", slug="lavender-oil", category=oils, price=1250)
    ProductFactory(name="Cedar Soap", slug="cedar-soap", category=oils, price=800)
    standard = ShippingMethodFactory(name="Standard", code="fz-standard", price=495)
    customer = UserFactory(email="ada@example.com", password=PASSWORD)
    address = AddressFactory(user=customer)
    order = OrderFactory(user=customer, email=customer.email)
    OrderLineFactory(order=order, product=oil)
    WishlistItem.objects.create(user=customer, product=oil)
    good = {
        "categories/slug": oils.slug,
        "slug": oil.slug,
        "number": order.number,
        "order_number": order.number,
        "pk": str(address.pk),
        "step": STEPS[0],
        "section": "products",
        "token": "x",
        "uidb64": "x",
        "shipping_method": str(standard.pk),
    }
    generic = {
        "product_id": str(oil.pk),
        "variant_id": str(variant_of(oil).pk),
        "quantity": "1",
        "next": "/",
        "expected_total": str(order.total),
    }
    return Shop(customer=customer, order=order, good=good, generic_defaults=generic), oil


def _concrete(route: str, value) -> str:
    def fill(match):
        if value is None:
            name = match["name"]
            return _GOOD.get(f"{route.split('/')[0]}/{name}") or _GOOD[name]
        return quote_from_bytes(_bytes(value), safe="")

    return "/" + _PARAM.sub(fill, route)


_GOOD: dict[str, str] = {}


def _targets(client: Client, shop: Shop) -> list[Target]:
    """Every route by GET and POST, and every form its page (as this visitor) shows."""
    found: dict[tuple[str, str, tuple[str, ...]], Target] = {}
    posted: set[str] = set()
    for route in routes():
        path = _concrete(route, None)
        page = client.get(path, follow=True)
        parser = _Forms()
        parser.feed(page.content.decode("utf-8", "replace"))
        base = page.wsgi_request.path
        for method, action, defaults in parser.forms:
            action_path = urlsplit(urljoin(base, action)).path
            try:
                resolve(action_path)
            except Resolver404:
                continue
            if action_path.startswith("/" + NOT_FUZZED[0]):
                continue
            key = (method, action_path, tuple(sorted(defaults)))
            found[key] = Target(method, action_path, key[2], defaults)
            if method == "POST":
                posted.add(action_path)
        found[("GET", path, QUERY_PARAMS)] = Target("GET", path, QUERY_PARAMS)
    for route in routes():
        path = _concrete(route, None)
        if path not in posted:
            defaults = dict(shop.generic_defaults)
            found[("POST", path, GENERIC_FIELDS)] = Target("POST", path, GENERIC_FIELDS, defaults)
    return list(found.values())


def _csrf_token(client: Client) -> str:
    for path in ("/accounts/login/", "/cart/", "/account/profile/", "/newsletter/"):
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path).text)
        if match:
            return match.group(1)
    raise AssertionError("no page showed a CSRF token")


def _saved(shop: Shop) -> dict:
    """What must survive any hostile request: the customer's things and the catalogue."""
    user = shop.customer
    return {
        "account": list(User.objects.filter(pk=user.pk).values().order_by("pk")),
        "addresses": list(Address.objects.filter(user=user).values().order_by("pk")),
        "orders": list(Order.objects.values().order_by("pk")),
        "order lines": list(OrderLine.objects.values().order_by("pk")),
        "cart": list(
            CartItem.objects.filter(cart__user=user).values("variant_id", "quantity").order_by("pk")
        ),
        "wishlist": list(WishlistItem.objects.filter(user=user).values("product_id")),
        "catalogue": list(
            ProductVariant.objects.values("pk", "price", "stock_quantity", "is_active").order_by(
                "pk"
            )
        ),
    }


def _without_login_time(saved: dict) -> dict:
    return {**saved, "account": [{**a, "last_login": None} for a in saved["account"]]}


@dataclass
class Visit:
    client: Client
    token: str = ""
    customer: User | None = None  # kept signed in, if given
    statuses: list[tuple[str, str, int]] = field(default_factory=list)

    def send(self, method: str, path: str, fields: dict, *, body: bytes | None = None):
        headers = {"X-CSRFToken": self.token} if body is not None else {}
        if method == "GET":
            query = _encode(fields)
            response = self.client.get(f"{path}?{query}" if query else path)
        elif body is not None:
            response = self.client.post(
                path, data=body, content_type="application/json", headers=headers
            )
        else:
            data = _encode({"csrfmiddlewaretoken": self.token, **fields})
            response = self.client.post(
                path, data=data.encode(), content_type="application/x-www-form-urlencoded"
            )
        where = f"{method} {path[:120]} {str(fields)[:300]}"
        # /health answers 503 when a dependency is not ready (here: no queue worker).
        allowed = (503,) if path.startswith("/health") else ()
        assert response.status_code < 500 or response.status_code in allowed, (
            f"{response.status_code} for {where}"
        )
        if "html" in response.get("Content-Type", ""):
            shown = MARKUP_RE.search(response.content.decode("utf-8", "replace"))
            assert shown is None, f"unescaped markup {shown.group(0)!r} in the answer to {where}"
        self.statuses.append((method, path, response.status_code))
        if self.customer is not None and "_auth_user_id" not in self.client.session:
            self.sign_in()  # a fuzzed logout signed the customer out: back for the next one
        return response

    def sign_in(self) -> None:
        self.client.force_login(self.customer)
        self.token = _csrf_token(self.client)


def _fuzz_all(visit: Visit, targets: list[Target], values: list) -> None:
    """Each target once, its fields filled from `values` (rotating, so each field meets each)."""
    numbers = [v for v in values if not _plausible(v)]
    # A form with nothing to fill (delete this address, sign out) posted as the page shows
    # it is no hostile input but a valid request: its path is fuzzed below instead.
    targets = [t for t in targets if t.fields]
    for i, target in enumerate(targets):
        fields = {name: values[(i + j) % len(values)] for j, name in enumerate(target.fields)}
        for name in target.fields:  # an id that may be a real one would make a valid request
            if _ID_FIELD.search(name) and _plausible(fields[name]):
                fields[name] = HUGE
        visit.send(target.method, target.path, fields)
        if target.method != "POST" or not numbers:
            continue
        ids = [n for n in target.fields if _ID_FIELD.search(n)]
        if ids:
            # Every id bad (one valid id would make a valid request), the rest of the form
            # (a quantity, a total) as the page filled it: the example's first number and
            # one more in turn.
            for bad in dict.fromkeys([numbers[0], numbers[(i + 1) % len(numbers)]]):
                visit.send(
                    target.method, target.path, {**target.defaults, **dict.fromkeys(ids, bad)}
                )
    for route in routes():
        if _PARAM.search(route):  # the path parameters themselves
            for value in values[:1]:
                if _plausible(value) or (isinstance(value, str) and "/" in value):
                    continue  # another route, or an id that may well be a valid one
                visit.send("GET", _concrete(route, value), {})
                visit.send("POST", _concrete(route, value), {})
    for route in {t.path for t in targets if t.method == "POST"}:
        visit.send("POST", route, {}, body=_bytes(values[0]))  # a body that is not a form


# Each explicit example mixes a few kinds (fields take the values in turn), so every kind
# reaches every endpoint while the walk runs only a few times.
_MIXES = (
    ("huge number", "nul byte"),
    ("invalid utf-8", "lone surrogate", "malformed json"),
    ("100 kB",),
    ("markup", "huge number"),
)
_EXAMPLES = [example(values=[v for kind in mix for v in KINDS[kind]]) for mix in _MIXES]
assert {kind for mix in _MIXES for kind in mix} == set(KINDS)


def _apply(decorators, function):
    for decorate in reversed(decorators):
        function = decorate(function)
    return function


@pytest.mark.parametrize("visitor", ["anonymous", "customer"])
def test_hostile_input_never_breaks_a_page_leaks_markup_or_changes_what_is_saved(shop, visitor):
    shop, oil = shop
    _GOOD.clear()
    _GOOD.update(shop.good)
    client = Client(enforce_csrf_checks=True)
    if visitor == "customer":
        client.force_login(shop.customer)
        token = _csrf_token(client)
        client.post(
            "/cart/add/",
            {"product_id": oil.pk, "quantity": 2, "csrfmiddlewaretoken": token},
        )
        assert CartItem.objects.filter(cart__user=shop.customer, quantity=2).exists()
        # Through checkout to the review step, so the walk meets every step's form.
        steps = {
            "/checkout/contact/": {"email": shop.customer.email},
            "/checkout/address/": {
                "full_name": "Ada Lovelace",
                "line1": "12 Lavender Lane",
                "city": "Bath",
                "postal_code": "BA1 1AA",
                "country": "GB",
            },
            "/checkout/shipping/": {"shipping_method": shop.good["shipping_method"]},
        }
        for path, data in steps.items():
            assert client.post(path, {**data, "csrfmiddlewaretoken": token}).status_code == 302
        assert client.get("/checkout/review/").status_code == 200
    visit = Visit(client=client, token=_csrf_token(client))
    targets = _targets(client, shop)
    if visitor == "customer":
        visit.customer = shop.customer
        assert "_auth_user_id" in client.session, "the walk signed the customer out"
    before = _without_login_time(_saved(shop))

    def one_example(values):
        _fuzz_all(visit, targets, values)
        now = _without_login_time(_saved(shop))
        changed = {k: (before[k], now[k]) for k in before if now[k] != before[k]}
        assert not changed, f"changed by hostile input: {str(changed)[:2000]}"

    run = _apply(
        [
            hsettings(
                max_examples=len(_EXAMPLES) + 1,
                deadline=None,
                derandomize=True,
                database=None,
                # No shrinking: one example is a whole walk, and a failure names its request.
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
            given(values=hostile_values),
            *_EXAMPLES,
        ],
        one_example,
    )
    run()

    posts = [s for m, _, s in visit.statuses if m == "POST"]
    # The token was valid: most POSTs got past CSRF (403 is for the few we refuse).
    assert posts and sum(s != 403 for s in posts) > len(posts) // 2
    walked = {path for _, path, _ in visit.statuses}
    for must in ("/cart/update/", "/cart/remove/", "/wishlist/remove/", "/checkout/place/"):
        assert must in walked
    if visitor == "customer":
        forms = {t.path: set(t.fields) for t in targets if t.method == "POST"}
        assert {"line1", "postal_code", "country"} <= forms.get("/checkout/address/", set())
        assert "expected_total" in forms.get("/checkout/place/", set())
        assert {t.path for t in targets if t.method == "POST" and "quantity" in t.fields} >= {
            "/cart/update/"
        }, "the cart page's quantity form was not found"


def test_the_walk_reaches_every_public_area_of_the_urlconf():
    walked = routes()
    for area in ("cart/", "checkout/", "quiz/", "newsletter/", "accounts/login/", "webhooks/"):
        assert any(r.startswith(area) for r in walked), area
    assert not any(r.startswith("admin/") for r in walked)


# --- signed webhooks of any shape ----------------------------------------------------------
WEBHOOK_SECRET = "whsec_fuzz_scent_payments"
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
_intent = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.just("pi_fuzz"), _json),
        "object": st.one_of(st.just("payment_intent"), _json),
        "status": st.one_of(st.sampled_from(["succeeded", "requires_payment_method"]), _json),
        "amount": st.one_of(st.integers(), _json),
        "amount_received": st.one_of(st.integers(), _json),
        "currency": st.one_of(st.just("usd"), _json),
        "metadata": st.one_of(st.fixed_dictionaries({"order_number": st.text(max_size=12)}), _json),
        "last_payment_error": _json,
    },
)
_event = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=30).map(lambda t: f"evt_{t}"), _json),
        "object": st.one_of(st.just("event"), _json),
        "type": st.one_of(
            st.sampled_from(
                [
                    "payment_intent.succeeded",
                    "payment_intent.payment_failed",
                    "payment_intent.canceled",
                    "charge.refunded",
                    "customer.created",
                ]
            ),
            _json,
        ),
        "created": st.one_of(st.integers(), _json),
        "data": st.one_of(st.fixed_dictionaries({"object": _intent}), _json),
    },
)


def _signed_post(client: Client, payload: bytes):
    import hashlib
    import hmac
    import time

    t = int(time.time())
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return client.post(
        "/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": f"t={t},v1={digest}"},
    )


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested 100,000 deep
        b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}',
        b'{"id": "evt_2", "type": "payment_intent.payment_failed", "data": {"object": '
        b'{"id": 7, "status": [], "last_payment_error": "x", "metadata": 3}}}',
        b'{"id": "evt_3", "type": ',
        b"\xff\xfe",
        b'{"id": "\\ud800", "type": "payment_intent.succeeded"}',
        b"null",
    ],
)
def test_a_signed_webhook_of_an_odd_shape_is_never_a_5xx(client, settings, shop, payload):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    shop, _oil = shop
    before = _saved(shop)

    response = _signed_post(client, payload)

    assert response.status_code in (200, 400), response.content[:300]
    assert _saved(shop) == before


@hsettings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=_event)
def test_signed_webhook_events_of_any_generated_shape_are_answered_200_or_400(
    client, settings, db, event
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    response = _signed_post(client, json.dumps(event).encode())

    assert response.status_code in (200, 400), (event, response.content[:300])


def test_the_fuzzed_webhooks_are_signed_as_stripe_signs(client, settings, db):
    """Given the signing above, a well-formed event we do not handle is accepted (200), so
    the odd shapes above reach the event parser rather than failing the signature."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    event = {"id": "evt_ok", "object": "event", "type": "customer.created", "data": {"object": {}}}

    assert _signed_post(client, json.dumps(event).encode()).status_code == 200
    assert (
        client.post("/webhooks/stripe/", data=b"{}", content_type="application/json").status_code
        == 400
    )
