"""A customer uses their account in Debian's Chromium: sign up, address book, reset, lockout."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from scent.accounts.models import Address
from tests.accounts.conftest import PASSWORD, reset_link_from_outbox
from tests.factories import AddressFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_sign_up_and_build_an_address_book(page, screenshot):
    page.goto("/accounts/register/?next=/account/")
    page.get_by_label("E-mail", exact=True).fill("Ada@Example.com")
    page.get_by_label("First name (optional)").fill("Ada")
    page.get_by_label("Password", exact=True).fill("lavender fields at dusk")
    page.get_by_label("Confirm password").fill("lavender fields at dusk")
    screenshot(page, "accounts-register-1280")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(re.compile(r"/account/$"))
    assert page.get_by_role("heading", name="Hello, Ada").is_visible()
    assert page.get_by_text("ada@example.com").is_visible()

    page.get_by_role("navigation", name="Account sections").get_by_role(
        "link", name="Addresses"
    ).click()
    page.get_by_role("link", name="Add an address").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 Lavender Lane")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postcode / ZIP").fill("ba1 1aa")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Save address").click()

    page.wait_for_url(re.compile(r"/account/addresses/$"))
    assert page.get_by_text("Address added.").is_visible()
    assert page.get_by_text("Default", exact=True).is_visible()
    assert page.get_by_text("United Kingdom").is_visible()
    screenshot(page, "accounts-addresses-1280")
    assert Address.objects.get().postal_code == "BA1 1AA"


def test_form_errors_are_announced_next_to_their_fields(page, screenshot):
    UserFactory(email="ada@example.com")
    page.goto("/accounts/register/")
    page.get_by_label("E-mail", exact=True).fill("ADA@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Create account").click()

    email = page.get_by_label("E-mail", exact=True)
    assert email.get_attribute("aria-invalid") == "true"
    described = email.get_attribute("aria-describedby")
    assert (
        page.locator(f"#{described}")
        .inner_text()
        .startswith("An account with this e-mail already exists")
    )
    assert page.get_by_role("alert").is_visible()
    screenshot(page, "accounts-register-errors-1280")


def test_reset_a_forgotten_password_from_the_emailed_link(page, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }
    UserFactory(email="ada@example.com")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()

    page.goto(urlsplit(reset_link_from_outbox()).path)
    page.get_by_label("New password", exact=True).fill("rosemary and cedar 42")
    page.get_by_label("New password confirmation").fill("rosemary and cedar 42")
    page.get_by_role("button", name="Save new password").click()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("rosemary and cedar 42")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(re.compile(r"/account/$"))
    assert len(mail.outbox) == 1


def test_lockout_page_on_a_phone(mobile_page, screenshot):
    UserFactory(email="ada@example.com")
    page = mobile_page
    for attempt in range(6):
        page.goto("/accounts/login/")
        page.get_by_label("E-mail").fill("ada@example.com")
        page.get_by_label("Password").fill(f"wrong password {attempt}")
        page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("heading", name="Let's take a breath").is_visible()
    assert page.get_by_role("link", name="Reset it by e-mail").is_visible()
    assert _no_sideways_scroll(page)
    screenshot(page, "accounts-locked-390")


def test_account_pages_fit_a_phone(mobile_page, screenshot):
    user = UserFactory(email="ada@example.com")
    AddressFactory(user=user, is_default=True)
    AddressFactory(user=user, label="Work")
    page = mobile_page
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account/$"))

    for path, name in [
        ("/account/", "accounts-overview-390"),
        ("/account/addresses/", "accounts-addresses-390"),
        ("/account/profile/", "accounts-profile-390"),
    ]:
        page.goto(path)
        assert _no_sideways_scroll(page), path
        screenshot(page, name)


def test_too_many_sign_ups_get_a_pause_page_that_keeps_the_typing(
    mobile_page, screenshot, settings
):
    # given an address allowed one registration attempt an hour
    settings.REGISTER_RATE = "1/h"
    page = mobile_page
    for attempt in range(2):
        page.goto("/accounts/register/")
        page.get_by_label("E-mail", exact=True).fill(f"grace{attempt}@example.com")
        page.get_by_label("First name (optional)").fill("Grace")
        page.get_by_role("button", name="Create account").click()
    # then the second gets the shop's pause page, with what was typed, fitting a phone
    assert page.get_by_role("heading", name="Let's take a short pause").is_visible()
    assert page.get_by_label("E-mail", exact=True).input_value() == "grace1@example.com"
    assert page.get_by_label("First name (optional)").input_value() == "Grace"
    assert page.get_by_role("button", name="Try again").is_visible()
    assert _no_sideways_scroll(page)
    screenshot(page, "accounts-rate-limited-390")
