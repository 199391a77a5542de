# ruff: noqa: F811 - pytest fixtures imported from tests/e2e/conftest.py are parameters here
"""The Stripe Payment Element on the pay page, in Debian's Chromium, end to end on loopback.

The page loads https://js.stripe.com/v3/ exactly as in production, under the production
CSP; the test answers that request with a Stripe.js double (stripe_js_double.js, tests
only) and answers https://api.stripe.com with `StripeEdge`, which does on localstripe what
Stripe's API does for Stripe.js: confirm the PaymentIntent with the card typed into the
element. The shopper then lands on the shop's return page, which asks localstripe for the
result, and Stripe's webhook (signed as Stripe signs it) must not pay the order twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest
import requests
import stripe
from playwright.sync_api import expect

from scent.payments.models import Payment, PaymentStatus
from tests.e2e.conftest import browser, new_page  # noqa: F401 - the shared browser fixtures
from tests.orders.support import queued_emails
from tests.payments.conftest import make_event
from tests.payments.test_browser import shopper_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRIPE_JS_DOUBLE = Path(__file__).with_name("stripe_js_double.js").read_text()
VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0341"  # attaches, then the charge is declined
NEEDS_AUTHENTICATION = "4000 0000 0000 3220"  # 3D Secure 2: requires_action


class StripeEdge:
    """api.stripe.com as Stripe.js sees it (publishable key + client secret), on localstripe.

    localstripe confirms only with the secret key and a payment method already attached,
    so a confirm is done the way Stripe does it internally: create the card's
    PaymentMethod, attach it to the intent, confirm. Its `_authenticate` test endpoint
    takes the publishable key and is passed through unchanged.
    """

    def __init__(self, client: stripe.StripeClient, localstripe_url: str, publishable_key: str):
        self.client, self.localstripe_url, self.publishable_key = (
            client,
            localstripe_url,
            publishable_key,
        )
        self.calls: list[tuple[str, str]] = []

    def __call__(self, route) -> None:
        request = route.request
        path = urlparse(request.url).path
        data = dict(parse_qsl(request.post_data or ""))
        match = re.fullmatch(r"/v1/payment_intents/(pi_\w+)/(confirm|_authenticate)", path)
        if request.method != "POST" or match is None:
            return self._answer(route, 404, {"error": {"message": f"Unrecognized {path}"}})
        if data.get("key") != self.publishable_key:
            return self._answer(route, 401, {"error": {"message": "Invalid API Key provided"}})
        intent_id, action = match.groups()
        intent = self.client.v1.payment_intents.retrieve(intent_id)
        if data.get("client_secret") != intent.client_secret:
            return self._answer(route, 404, {"error": {"message": "No such payment_intent"}})
        self.calls.append((action, intent_id))
        if action == "_authenticate":
            answer = requests.post(f"{self.localstripe_url}{path}", data=data, timeout=10)
            return self._answer(route, answer.status_code, answer.json())
        try:
            method = self.client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": data["payment_method_data[card][number]"],
                        "exp_month": 12,
                        "exp_year": 2039,
                        "cvc": "123",
                    },
                }
            )
            self.client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
            confirmed = self.client.v1.payment_intents.confirm(intent_id)
        except stripe.StripeError as error:
            return self._answer(route, error.http_status or 400, error.json_body or {})
        return self._answer(route, 200, confirmed.to_dict())

    @staticmethod
    def _answer(route, status: int, body: dict) -> None:
        route.fulfill(
            status=status,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(body),
        )


@pytest.fixture
def stripe_page(new_page, live_server, order, stripe_gateway, stripe_client, localstripe_url):
    """The shopper's browser on the pay page, with Stripe.js and Stripe's API on loopback."""
    page = shopper_page(new_page, live_server, order)
    page.csp_errors = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),
    )
    page.stripe_js_requests = []

    def serve_stripe_js(route):
        page.stripe_js_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=STRIPE_JS_DOUBLE)

    page.route("https://js.stripe.com/**", serve_stripe_js)
    page.edge = StripeEdge(stripe_client, localstripe_url, "pk_test_scent")
    page.route("https://api.stripe.com/**", page.edge)
    page.goto(f"/checkout/pay/{order.number}/")
    expect(pay_button(page)).to_be_enabled()  # the element is mounted and ready
    return page


def pay_button(page):
    return page.get_by_role("button", name=re.compile("^Pay "))


def pay_with(page, card_number: str) -> None:
    page.get_by_label("Card number").fill(card_number)
    pay_button(page).click()


def stripe_webhook(post_event, stripe_client, event_type: str, reference: str):
    """Stripe's event for the intent as localstripe now has it, signed and delivered."""
    intent = stripe_client.v1.payment_intents.retrieve(reference).to_dict()
    event = make_event(event_type, intent)
    return event, post_event(event)


def test_a_card_that_pays_lands_on_the_confirmation_and_the_webhook_pays_once(
    stripe_page, order, stripe_client, post_event
):
    payment = Payment.objects.get(order_number=order.number)

    pay_with(stripe_page, VISA)

    stripe_page.wait_for_url(re.compile(rf"/orders/{order.number}/confirmation/$"))
    order.refresh_from_db()
    assert order.is_paid and order.payment_reference == payment.reference
    assert stripe_page.edge.calls == [("confirm", payment.reference)]

    event, delivered = stripe_webhook(
        post_event, stripe_client, "payment_intent.succeeded", payment.reference
    )
    replayed = post_event(event)
    _, another = stripe_webhook(
        post_event, stripe_client, "payment_intent.succeeded", payment.reference
    )

    assert delivered.status_code == replayed.status_code == another.status_code == 200
    order.refresh_from_db()
    assert order.events.filter(kind="paid").count() == 1
    assert order.transactions.filter(kind="payment").count() == 1
    assert len(queued_emails("order_confirmation")) == 1
    assert stripe_page.stripe_js_requests == ["https://js.stripe.com/v3/"]
    assert stripe_page.csp_errors == []


def test_a_declined_card_shows_the_message_and_the_order_stays_payable(
    stripe_page, order, stripe_client, post_event
):
    payment = Payment.objects.get(order_number=order.number)

    pay_with(stripe_page, DECLINED)

    expect(
        stripe_page.locator("#payment-message").filter(has_text="Your card was declined.")
    ).to_be_visible()
    expect(pay_button(stripe_page)).to_be_enabled()
    assert stripe_page.url.endswith(f"/checkout/pay/{order.number}/")

    _, delivered = stripe_webhook(
        post_event, stripe_client, "payment_intent.payment_failed", payment.reference
    )
    assert delivered.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert not order.is_paid and order.is_payable
    assert payment.status == PaymentStatus.FAILED

    # Back on the pay page later: the decline is explained and the form is offered again.
    stripe_page.reload()
    expect(stripe_page.get_by_text("Your card was declined.").first).to_be_visible()
    expect(pay_button(stripe_page)).to_be_enabled()
    assert len(queued_emails("order_confirmation")) == 0
    assert stripe_page.csp_errors == []


def test_a_payment_that_needs_authentication_pays_once_the_shopper_completes_it(
    stripe_page, order, stripe_client, post_event
):
    payment = Payment.objects.get(order_number=order.number)

    pay_with(stripe_page, NEEDS_AUTHENTICATION)

    dialog = stripe_page.get_by_role("dialog", name="Test authentication")
    expect(dialog).to_be_visible()
    assert stripe_client.v1.payment_intents.retrieve(payment.reference).status == (
        "requires_action"
    )
    order.refresh_from_db()
    assert not order.is_paid  # nothing is paid while the extra step is pending

    dialog.get_by_role("button", name="Complete authentication").click()

    stripe_page.wait_for_url(re.compile(rf"/orders/{order.number}/confirmation/$"))
    _, delivered = stripe_webhook(
        post_event, stripe_client, "payment_intent.succeeded", payment.reference
    )
    assert delivered.status_code == 200
    order.refresh_from_db()
    assert order.is_paid
    assert order.events.filter(kind="paid").count() == 1
    assert len(queued_emails("order_confirmation")) == 1
    assert stripe_page.edge.calls == [
        ("confirm", payment.reference),
        ("_authenticate", payment.reference),
    ]


def test_a_failed_authentication_shows_the_message_and_the_order_stays_payable(
    stripe_page, order, stripe_client
):
    pay_with(stripe_page, NEEDS_AUTHENTICATION)

    stripe_page.get_by_role("button", name="Fail authentication").click()

    expect(
        stripe_page.locator("#payment-message").filter(has_text="authentication")
    ).to_be_visible()
    expect(pay_button(stripe_page)).to_be_enabled()
    order.refresh_from_db()
    assert not order.is_paid and order.is_payable
