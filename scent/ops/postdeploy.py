"""The deployment guide's post-deployment checklist (section 6), run against a live shop.

`scent postdeploy-check https://shop.example.com` asks the running site, as a visitor
would, over the network: HTTPS and its certificate, the http -> https redirect, that a
404 is not Django's debug page (APP_DEBUG off), /up and /health, the security headers,
and a browse -> cart flow with a cookie-keeping client. Every item prints ✓ or ✗; any ✗
makes the command exit 1, so a deploy pipeline can stop on it.

Nothing here imports the shop's models: the check works from any machine that can reach
the site, e.g. a laptop or CI after `fly deploy`.
"""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urljoin, urlsplit

PASS, FAIL, SKIP = "pass", "fail", "skip"
MARKS = {PASS: "✓", FAIL: "✗", SKIP: "-"}
# Text only Django's technical (DEBUG=True) error pages contain.
DEBUG_PAGE_MARKERS = (
    "You\u2019re seeing this error because you have <code>DEBUG = True</code>",
    "You're seeing this error because you have <code>DEBUG = True</code>",
    "Using the URLconf defined in",
    "technical_500",
)
SECURITY_HEADERS = {
    "Strict-Transport-Security": lambda v: "max-age=" in v and not v.startswith("max-age=0"),
    "Content-Security-Policy": lambda v: "default-src" in v,
    "X-Content-Type-Options": lambda v: v.lower() == "nosniff",
    "Referrer-Policy": lambda v: bool(v) and v.lower() != "unsafe-url",
    "X-Frame-Options": lambda v: v.upper() in ("DENY", "SAMEORIGIN"),
}


@dataclass
class Item:
    name: str
    status: str
    detail: str = ""

    def line(self) -> str:
        return f"{MARKS[self.status]} {self.name}" + (f": {self.detail}" if self.detail else "")


@dataclass
class Report:
    url: str
    items: list[Item] = field(default_factory=list)
    version: str = ""

    def add(self, name: str, ok: bool | None, detail: str = "") -> Item:
        item = Item(name, SKIP if ok is None else PASS if ok else FAIL, detail)
        self.items.append(item)
        return item

    @property
    def failed(self) -> list[Item]:
        return [item for item in self.items if item.status == FAIL]

    def summary(self) -> str:
        counts = {s: sum(1 for i in self.items if i.status == s) for s in (PASS, FAIL, SKIP)}
        return f"{counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by Client.request, which records them


class Client:
    """A small browser: keeps cookies, follows redirects on request, sends a Referer."""

    def __init__(self, *, cafile: str | None, insecure: bool, timeout: float) -> None:
        self.context = ssl.create_default_context(cafile=cafile)
        if insecure:
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        self.timeout = timeout
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPSHandler(context=self.context),
            _NoRedirect(),
        )

    def request(
        self,
        url: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        follow: bool = True,
    ) -> Response:
        for _ in range(6):
            body = urlencode(data).encode() if data is not None else None
            req = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
            req.add_header("User-Agent", "scent-postdeploy-check")
            try:
                with self.opener.open(req, timeout=self.timeout) as raw:
                    response = self._response(raw.status, raw.headers, raw.read(), url)
            except urllib.error.HTTPError as exc:
                response = self._response(exc.code, exc.headers, exc.read(), url)
            location = response.header("Location")
            if not (follow and response.status in (301, 302, 303, 307, 308) and location):
                return response
            url, data = urljoin(url, location), None
        return response

    @staticmethod
    def _response(status: int, headers, body: bytes, url: str) -> Response:
        return Response(status, {k.lower(): v for k, v in headers.items()}, body, url)


class _Page(HTMLParser):
    """Links and forms (action + inputs) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "inputs": {},
                "empty": [],  # text fields with no value, to fill in
                "options": {},  # select name -> option values
                "data": {k[5:]: v for k, v in a.items() if k.startswith("data-")},
                "disabled": False,
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "fieldset" and "disabled" in a:
            self._form["disabled"] = True
        elif tag in ("input", "textarea") and a.get("name"):
            kind, name = a.get("type", "text").lower(), a["name"]
            if kind in ("radio", "checkbox"):
                if name not in self._form["inputs"] or "checked" in a:
                    self._form["inputs"][name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self._form["inputs"][name] = a.get("value", "")
                if not a.get("value"):
                    self._form["empty"].append(name)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["options"][self._select] = []
            self._form["inputs"].setdefault(self._select, "")
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form["options"][self._select].append(value)
            if "selected" in a:
                self._form["inputs"][self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


class Checker:
    def __init__(
        self,
        url: str,
        *,
        cafile: str | None = None,
        insecure: bool = False,
        http_url: str | None = None,
        health_token: str = "",
        min_cert_days: int = 14,
        timeout: float = 15,
        purchase: bool = False,
        stripe_secret: str = "",
        stripe_api_base: str = "",
        email: str = "",
    ) -> None:
        self.base = url.rstrip("/") + "/"
        self.parts = urlsplit(self.base)
        self.insecure = insecure
        self.http_url = http_url
        self.health_token = health_token
        self.min_cert_days = min_cert_days
        self.purchase = purchase
        self.stripe_secret = stripe_secret
        self.stripe_api_base = stripe_api_base
        self.email = email or f"postdeploy-check+{secrets.token_hex(4)}@example.com"
        self.cart_ready = False
        self.client = Client(cafile=cafile, insecure=insecure, timeout=timeout)
        self.report = Report(url=self.base)

    def url(self, path: str) -> str:
        return urljoin(self.base, path.lstrip("/"))

    def run(self) -> Report:
        steps: list[Callable[[], None]] = [
            self.check_home,
            self.check_certificate,
            self.check_http_redirect,
            self.check_debug_off,
            self.check_up,
            self.check_health,
            self.check_security_headers,
            self.check_browse_and_cart,
            self.check_purchase,
        ]
        for step in steps:
            try:
                step()
            except (OSError, urllib.error.URLError, ValueError) as exc:
                self.report.add(step.__name__.removeprefix("check_").replace("_", " "), False,
                                f"{type(exc).__name__}: {exc}")  # fmt: skip
        return self.report

    # --- 1 and 3: the site over HTTPS, its certificate --------------------------------
    def check_home(self) -> None:
        response = self.client.request(self.base)
        self.home = response
        https = urlsplit(response.url).scheme == "https"
        self.report.add(
            "HTTPS: the shop answers",
            response.status == 200 and https,
            f"{response.status} at {response.url}" + ("" if https else " (not https)"),
        )
        version = self.client.request(self.url("version"))
        if version.status == 200:
            try:
                self.report.version = json.loads(version.body)["version"]
            except (ValueError, KeyError):
                self.report.version = ""

    def check_certificate(self) -> None:
        if self.parts.scheme != "https":
            self.report.add("TLS certificate", False, "the URL is not https")
            return
        if self.insecure:
            self.report.add("TLS certificate", None, "not verified (--insecure)")
            return
        host, port = self.parts.hostname or "", self.parts.port or 443
        try:
            with (
                socket.create_connection((host, port), timeout=self.client.timeout) as sock,
                self.client.context.wrap_socket(sock, server_hostname=host) as tls,
            ):
                cert = tls.getpeercert() or {}
        except ssl.SSLCertVerificationError as exc:
            self.report.add("TLS certificate", False, f"not valid for {host}: {exc.verify_message}")
            return
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
        days = int((expires - time.time()) // 86400)
        when = datetime.fromtimestamp(expires, tz=UTC).date().isoformat()
        self.report.add(
            "TLS certificate",
            days >= self.min_cert_days,
            f"valid for {host}, expires in {days} days ({when})"
            + ("" if days >= self.min_cert_days else f"; renew it (under {self.min_cert_days})"),
        )

    def check_http_redirect(self) -> None:
        http_url = self.http_url
        if http_url is None and self.parts.scheme == "https" and self.parts.port is None:
            http_url = f"http://{self.parts.hostname}/"
        if http_url is None:
            self.report.add("http redirects to https", None, "no http URL (use --http-url)")
            return
        response = self.client.request(http_url, follow=False)
        location = response.header("Location")
        self.report.add(
            "http redirects to https",
            response.status in (301, 308) and location.startswith("https://"),
            f"{response.status} -> {location or 'no Location'}",
        )

    # --- 4: APP_DEBUG=false ------------------------------------------------------------
    def check_debug_off(self) -> None:
        response = self.client.request(self.url(f"postdeploy-check-{secrets.token_hex(6)}/"))
        debug_page = any(marker in response.text for marker in DEBUG_PAGE_MARKERS)
        self.report.add(
            "APP_DEBUG is off",
            response.status == 404 and not debug_page,
            "a missing page shows Django's debug page: set APP_DEBUG=false"
            if debug_page
            else f"a missing page answers {response.status} with the shop's own page",
        )

    # --- health ------------------------------------------------------------------------
    def check_up(self) -> None:
        response = self.client.request(self.url("up"), follow=False)
        self.report.add("/up (liveness)", response.status == 200, str(response.status))

    def check_health(self) -> None:
        headers = {"Authorization": f"Bearer {self.health_token}"} if self.health_token else {}
        response = self.client.request(self.url("health"), headers=headers, follow=False)
        if response.status == 404:
            self.report.add("/health (database, cache, queue, scheduler)", None, "not available")
            return
        detail = str(response.status)
        try:
            body = json.loads(response.body)
        except ValueError:
            body = {}
        failing = [
            name
            for name, check in (body.get("checks") or {}).items()
            if isinstance(check, dict) and check.get("status") not in ("ok", None)
        ]
        if failing:
            detail += " failing: " + ", ".join(failing)
        elif body.get("status"):
            detail += f" {body['status']}"
        self.report.add(
            "/health (database, cache, queue, scheduler)", response.status == 200, detail
        )

    # --- security headers --------------------------------------------------------------
    def check_security_headers(self) -> None:
        response = getattr(self, "home", None) or self.client.request(self.base)
        for name, valid in SECURITY_HEADERS.items():
            value = response.header(name)
            self.report.add(f"header {name}", bool(value) and valid(value), value[:80] or "missing")

    # --- 2: key user flows -------------------------------------------------------------
    def check_browse_and_cart(self) -> None:
        home = getattr(self, "home", None) or self.client.request(self.base)
        listing = self.client.request(self.url("products/"))
        links = []
        for html in (home.text, listing.text):
            for href in parse(html).links:
                path = urlsplit(urljoin(self.base, href)).path
                parts = path.strip("/").split("/")
                if len(parts) == 2 and parts[0] == "products" and path not in links:
                    links.append(path)
        if not links:
            self.report.add("browse: a product page", False, "no product links on / or /products/")
            return
        product, form = None, None
        for path in links[:10]:
            page = self.client.request(self.url(path))
            if page.status != 200:
                self.report.add("browse: a product page", False, f"{path} answers {page.status}")
                return
            forms = [
                f for f in parse(page.text).forms if f["action"].rstrip("/").endswith("cart/add")
            ]
            if product is None:
                product = (path, page)
            if forms and not forms[0]["disabled"]:
                product, form = (path, page), forms[0]
                break
        assert product is not None
        self.report.add("browse: a product page", True, f"{product[0]} answers 200")
        if form is None:
            self.report.add(
                "cart: add a product", None, "no product with an add-to-cart form in stock"
            )
            return
        add_url = urljoin(product[1].url, form["action"])
        response = self.client.request(
            add_url, data=form["inputs"], headers={"Referer": product[1].url}
        )
        if response.status == 404:
            self.report.add("cart: add a product", None, "not available (/cart/add/ is 404)")
            return
        cart = self.client.request(self.url("cart/"))
        name = _product_name(product[1].text)
        in_cart = cart.status == 200 and bool(name) and name in cart.text
        self.cart_ready = in_cart
        self.report.add(
            "cart: add a product",
            in_cart,
            f"{name!r} is in the cart (cookie session kept)"
            if in_cart
            else f"after POST {form['action']} ({response.status}) the cart does not show {name!r}",
        )

    def check_purchase(self) -> None:
        name = "purchase: small Stripe test payment, then refund"
        if not self.purchase:
            self.report.add(name, None, "run with --purchase")
            return
        if not self.cart_ready:
            self.report.add(name, False, "needs a product in the cart (see the cart item)")
            return
        try:
            pay_page = self._checkout()
            self.report.add("checkout: contact, address, delivery, review, place", True,
                            f"order placed, pay page {urlsplit(pay_page.url).path}")  # fmt: skip
            self.report.add(name, *self._pay(pay_page))
        except _FlowError as exc:
            self.report.add(name, False, str(exc))

    FILL = {
        "email": lambda self: self.email,
        "full_name": lambda self: "Post Deploy Check",
        "name": lambda self: "Post Deploy Check",
        "line1": lambda self: "1 Check Street",
        "city": lambda self: "Testville",
        "postal_code": lambda self: "10001",
        "region": lambda self: "NY",
        "phone": lambda self: "+15555550100",
        "card_number": lambda self: "4242 4242 4242 4242",
        "expiry": lambda self: "12 / 34",
        "cvc": lambda self: "123",
    }

    def _submit(self, page: Response, form: dict) -> Response:
        data = dict(form["inputs"])
        for field_name in form["empty"]:
            fill = self.FILL.get(field_name)
            if fill is not None:
                data[field_name] = fill(self)
        for field_name, options in form["options"].items():
            if not data.get(field_name):
                choices = [o for o in options if o]
                data[field_name] = "US" if "US" in choices else (choices[0] if choices else "")
        action = urljoin(page.url, form["action"] or page.url)
        return self.client.request(action, data=data, headers={"Referer": page.url})

    def _step(self, path: str, action_hint: str = "") -> Response:
        """Fill in and POST the step's own form; fail if the shop shows the step again."""
        page = self.client.request(self.url(path))
        here = urlsplit(page.url).path

        def wanted(form: dict) -> bool:
            if "csrfmiddlewaretoken" not in form["inputs"] or "address_id" in form["inputs"]:
                return False  # not a POST form of ours, or a saved-address picker
            target = urlsplit(urljoin(page.url, form["action"])).path
            return target.rstrip("/").endswith(action_hint) if action_hint else target == here

        forms = [f for f in parse(page.text).forms if wanted(f)]
        if page.status != 200 or not forms:
            raise _FlowError(f"/{path} answers {page.status} without its form")
        response = self._submit(page, forms[0])
        if response.status >= 400 or urlsplit(response.url).path == here:
            raise _FlowError(f"the form on /{path} was refused ({response.status})")
        return response

    def _checkout(self) -> Response:
        self._step("checkout/contact/")
        self._step("checkout/address/")
        self._step("checkout/shipping/")
        pay_page = self._step("checkout/review/", action_hint="checkout/place")
        if "/pay/" not in urlsplit(pay_page.url).path:
            raise _FlowError(f"placing the order led to {pay_page.url}, not a pay page")
        return pay_page

    def _pay(self, pay_page: Response) -> tuple[bool, str]:
        forms = parse(pay_page.text).forms
        stripe_form = next((f for f in forms if f["data"].get("client-secret")), None)
        if stripe_form is None:
            card_form = next((f for f in forms if "card_number" in f["inputs"]), None)
            if card_form is None:
                raise _FlowError("the pay page has neither Stripe nor the test card form")
            done = self._submit(pay_page, card_form)
            ok = done.status == 200 and "/confirmation/" in done.url
            return ok, (
                "paid with the shop's offline test gateway (no Stripe configured), "
                + ("order confirmed" if ok else f"no confirmation ({done.status} {done.url})")
            )
        return self._pay_with_stripe(stripe_form, pay_page)

    def _pay_with_stripe(self, form: dict, pay_page: Response) -> tuple[bool, str]:
        publishable = form["data"].get("publishable-key", "")
        if not publishable.startswith("pk_test_"):
            return False, "the shop uses live Stripe keys; --purchase pays only in test mode"
        if not self.stripe_secret.startswith(("sk_test_", "rk_test_")):
            return False, "give --stripe-secret sk_test_... (the shop's test secret key)"
        import stripe

        client = stripe.StripeClient(
            self.stripe_secret,
            base_addresses={"api": self.stripe_api_base} if self.stripe_api_base else None,
        )
        intent_id = form["data"]["client-secret"].split("_secret_")[0]
        # What Stripe.js does when the shopper pays with the test card 4242 4242 4242 4242.
        client.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
        intent = client.v1.payment_intents.confirm(intent_id)
        if intent.status != "succeeded":
            return False, f"Stripe says the payment is {intent.status}"
        back = self.client.request(
            f"{urljoin(pay_page.url, form['data'].get('return-url', ''))}?payment_intent={intent_id}"
        )
        if back.status != 200 or "/confirmation/" not in back.url:
            return False, f"paid at Stripe, but the shop answered {back.status} at {back.url}"
        refund = client.v1.refunds.create(params={"payment_intent": intent_id})
        amount = f"{intent.amount / 100:.2f} {intent.currency.upper()}"
        return (
            refund.status in ("succeeded", "pending"),
            f"paid {amount} ({intent_id}), order confirmed, refund {refund.id} {refund.status}",
        )


class _FlowError(Exception):
    """A step of the shopper's flow did not work; the message says which."""


def _product_name(html: str) -> str:
    """The product page's <h1> text."""

    class H1(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside, self.text = False, ""

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.inside = self.inside or (tag == "h1" and not self.text)

        def handle_endtag(self, tag: str) -> None:
            if tag == "h1":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.text += data

    parser = H1()
    parser.feed(html)
    return " ".join(parser.text.split())


def run_checklist(url: str, **options) -> Report:
    """Run every check against `url`; see Checker for the options."""
    return Checker(url, **options).run()
