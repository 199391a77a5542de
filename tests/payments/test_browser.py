# ruff: noqa: F811 - pytest fixtures imported from tests/e2e/conftest.py are parameters here
"""The pay page in Debian's Chromium (Playwright) against the live server.

js.stripe.com is on the internet, which tests never reach. The Stripe tests therefore
either block it (the page must say so) or answer it with a tiny stand-in that records
what payments.js asks of Stripe.js and, on confirmPayment, does what Stripe.js does on
success: redirect to the return URL with the PaymentIntent id. The intent itself is
confirmed on localstripe, and the return page asks localstripe for the result.
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import expect

from scent.orders.models import Order
from scent.payments.models import Payment
from tests.e2e.conftest import browser, new_page  # noqa: F401 - the shared browser fixtures
from tests.payments.test_stripe_gateway import pay_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_STRIPE_JS = """
window.__stripe = {calls: []};
window.Stripe = function (key) {
  window.__stripe.calls.push(["Stripe", key]);
  return {
    elements: function (options) {
      window.__stripe.calls.push(["elements", options.clientSecret]);
      return {
        create: function (type) {
          window.__stripe.calls.push(["create", type]);
          var handlers = {};
          return {
            on: function (name, fn) { handlers[name] = fn; },
            mount: function (selector) {
              document.querySelector(selector).textContent = "[card fields]";
              setTimeout(function () { handlers.ready && handlers.ready(); }, 0);
            },
          };
        },
      };
    },
    confirmPayment: function (options) {
      var secret = window.__stripe.calls.filter(function (c) { return c[0] === "elements"; })[0][1];
      window.__stripe.calls.push(["confirmPayment", options.confirmParams.return_url]);
      if (window.__stripe.decline) {
        return Promise.resolve({error: {message: "Your card was declined."}});
      }
      var intent = secret.split("_secret_")[0];
      window.location.assign(options.confirmParams.return_url + "?payment_intent=" + intent + "&redirect_status=succeeded");
      return new Promise(function () {});
    },
  };
};
"""


def shopper_page(new_page, live_server, order: Order):
    """A browser whose session placed `order` (as after checkout)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["placed_orders"] = [order.number]
    store.create()
    page = new_page()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )
    return page


def test_paying_with_the_test_gateway(new_page, live_server, order):
    page = shopper_page(new_page, live_server, order)
    page.goto(f"/checkout/pay/{order.number}/")
    expect(page.get_by_text("Test payments — no real money").first).to_be_visible()

    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    expect(page.get_by_role("alert").filter(has_text="Your card was declined")).to_be_visible()
    expect(page.get_by_label("Card number")).to_have_value("")  # never echoed back

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(rf"/orders/{order.number}/confirmation/$"))
    order.refresh_from_db()
    assert order.is_paid


def test_stripe_page_says_so_when_stripe_js_cannot_load(
    new_page, live_server, order, stripe_gateway
):
    page = shopper_page(new_page, live_server, order)
    csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    page.route("https://js.stripe.com/**", lambda route: route.abort())

    page.goto(f"/checkout/pay/{order.number}/")

    expect(page.locator("#payment-message").filter(has_text="could not be loaded")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Pay "))).to_be_disabled()
    assert csp_errors == []


def test_stripe_payment_element_flow_to_the_confirmation(
    new_page, live_server, order, stripe_gateway, stripe_client
):
    page = shopper_page(new_page, live_server, order)
    page.route(
        "https://js.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=FAKE_STRIPE_JS
        ),
    )
    page.goto(f"/checkout/pay/{order.number}/")
    payment = Payment.objects.get(order_number=order.number)
    calls = page.evaluate("window.__stripe.calls")
    assert calls[:3] == [
        ["Stripe", "pk_test_scent"],
        ["elements", payment.client_secret],
        ["create", "payment"],
    ]

    # A decline is shown on the page and the button works again.
    page.evaluate("window.__stripe.decline = true")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    expect(
        page.locator("#payment-message").filter(has_text="Your card was declined.")
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Pay "))).to_be_enabled()

    # Stripe confirms the card (localstripe), then Stripe.js redirects to the return URL.
    pay_in_browser(stripe_client, payment)
    page.evaluate("window.__stripe.decline = false")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(rf"/orders/{order.number}/confirmation/$"))
    order.refresh_from_db()
    assert order.is_paid and order.payment_reference == payment.reference


def test_stripe_page_says_so_when_stripe_refuses_the_key(
    new_page, live_server, order, stripe_gateway
):
    page = shopper_page(new_page, live_server, order)
    page.route(
        "https://js.stripe.com/**",
        lambda route: route.fulfill(
            status=200,
            content_type="application/javascript",
            body="window.Stripe = function () { throw new Error('Invalid API Key provided'); };",
        ),
    )

    page.goto(f"/checkout/pay/{order.number}/")

    expect(page.locator("#payment-message").filter(has_text="not available")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Pay "))).to_be_disabled()
