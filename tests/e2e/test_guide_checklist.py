# ruff: noqa: F811 - fixtures imported from other conftest modules are parameters here
"""The deployment guide's post-deployment checklist, in Chromium, against a production shop.

One shop per module (tests/e2e/checklist_support.py): nginx with TLS in front of gunicorn
(APP_ENV=production), `scent worker` sending mail to a real SMTP server, all on one
SQLite file. Each test is one shopper (own browser context) going through a part of the
checklist; key pages are saved at phone (390 px) and desktop (1280 px) widths as
test-artifacts/screenshots/checklist-*.png.

    .venv/bin/python -m pytest -p no:cacheprovider tests/e2e/test_guide_checklist.py
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.deploy.conftest import tls_cert  # noqa: F401 - the self-signed certificate fixture
from tests.e2e.checklist_support import (
    CARD,
    HEALTH_TOKEN,
    LiveShop,
    first_link,
    running_shop,
    text_body,
)
from tests.e2e.conftest import browser  # noqa: F401 - shared fixtures
from tests.ops.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("checklist")]

PASSWORD = "lavender fields at dusk"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PATIENCE_MS = 30_000
_shoppers = itertools.count(1)


@pytest.fixture(scope="module")
def shop(tls_cert) -> Iterator[LiveShop]:
    # Patience for a loaded machine (every page goes through nginx, gunicorn and SQLite):
    # how long Playwright waits for a page or an element, never a timing that is asserted.
    expect.set_options(timeout=PATIENCE_MS)
    try:
        with running_shop(tls_cert) as live:
            yield live
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default


SUBRESOURCES = {"stylesheet", "script", "image", "font", "media"}


def watch(page: Page, problems: list[str]) -> None:
    """Note what a shopper's browser would complain about: a script error, a blocked
    script or style (Content-Security-Policy), a missing stylesheet, script, font or picture."""

    def on_console(message) -> None:
        # Failed loads are judged by the response handler (a 503 page is expected there).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: console: {message.text}")

    def on_response(response) -> None:
        if response.request.resource_type in SUBRESOURCES and response.status >= 400:
            problems.append(f"{page.url}: {response.status} for {response.url}")

    def on_failed(request) -> None:
        # ERR_ABORTED: the page was left while a picture was still loading; not a fault.
        if request.resource_type in SUBRESOURCES and request.failure != "net::ERR_ABORTED":
            problems.append(f"{page.url}: {request.failure} for {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)


@pytest.fixture
def open_page(browser, shop) -> Iterator[Callable[..., Page]]:
    """A fresh browser (context) at the shop's https address; closed after the test, which
    then fails if any page had a script error, a CSP violation or a missing file."""
    contexts = []
    problems: list[str] = []

    def open_(*, width: int = 1280, height: int = 800, **options) -> Page:
        if width < 600:
            options = {"is_mobile": True, "has_touch": True, **options}
        context = browser.new_context(
            base_url=shop.url,
            viewport={"width": width, "height": height},
            ignore_https_errors=True,  # the certificate is self-signed
            **options,
        )
        context.set_default_timeout(PATIENCE_MS)
        context.set_default_navigation_timeout(PATIENCE_MS)
        contexts.append(context)
        page = context.new_page()
        watch(page, problems)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def shots(screenshot) -> Callable[[Page, str], None]:
    """Save the page at desktop and phone widths (checklist-<name>-1280.png / -390.png) and
    check each with axe-core: no serious or critical accessibility violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def take(page: Page, name: str) -> None:
        size = page.viewport_size
        for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)
            screenshot(page, f"checklist-{name}-{label}")
            result = axe.run(page, options={"resultTypes": ["violations"]})
            grave = [
                f"{v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
                for v in result.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not grave, f"{page.url} at {label} px:\n" + "\n".join(grave)
        page.set_viewport_size(size)

    return take


def new_email(stem: str) -> str:
    return f"{stem}-{next(_shoppers)}@example.com"


def register(page: Page, email: str) -> None:
    page.goto("/accounts/register/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/account/")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


# --- 1. registration and login -------------------------------------------------------------------
def test_register_log_out_and_log_in_again(open_page, shop, shots):
    page = open_page()
    email = new_email("rosa")

    page.goto("/accounts/register/")
    shots(page, "register")
    register(page, email)
    expect(page).to_have_title(re.compile("^Your account"))
    expect(page.get_by_text(email).first).to_be_visible()
    shots(page, "account")

    page.get_by_role("button", name="Log out").first.click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    log_in(page, email, "not the password at all")
    expect(page.get_by_role("alert")).to_be_visible()
    shots(page, "login-error")
    log_in(page, email)
    page.wait_for_url("**/account/")
    expect(page.get_by_text(email).first).to_be_visible()


# --- 2. the guide: "Check HTTPS", "APP_DEBUG=false" ----------------------------------------------
def test_the_shop_answers_on_https_only_without_debug_pages(open_page, shop, shots):
    page = open_page()
    # nginx sends http:// to https:// (on the standard port, as in production) ...
    redirect = page.request.get(f"{shop.http_url}/products/?q=rose", max_redirects=0)
    assert redirect.status == 301
    assert redirect.headers["location"] == "https://localhost/products/?q=rose"
    # ... where Django answers with HSTS.
    response = page.goto("/products/")
    assert response.status == 200
    assert "max-age=" in response.headers["strict-transport-security"]
    # APP_DEBUG=false: an unknown address gets the shop's own 404 page, no debug details.
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("link", name="The Scent").first).to_be_visible()
    assert "Traceback" not in page.content() and "DEBUG" not in page.content()
    shots(page, "404")


# --- 3. browsing: search, filter, sort -----------------------------------------------------------
def test_search_filter_and_sort_the_catalogue(open_page, shop, shots):
    page = open_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shots(page, "home")

    search = page.get_by_role("combobox", name="Search products")
    search.fill("lavender")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/products/\?q=lavender"))
    results = page.get_by_role("region", name="Products")
    names = results.locator(".card-title").all_inner_texts()
    assert "Lavender Essential Oil" in names
    # Names, notes and descriptions are searched; nothing without lavender comes up.
    assert "Lavender & Vetiver Candle" in names
    assert "Peppermint Essential Oil" not in names and "Citrus Grove Candle" not in names
    shots(page, "search")

    page.goto("/products/")
    page.get_by_label("Category").select_option(label="Candles")
    page.get_by_label("In stock only").check()
    page.get_by_label("Sort by").select_option(label="Price: high to low")
    page.get_by_role("button", name="Show products").click()
    page.wait_for_url(re.compile(r"in_stock=on"))
    names = page.get_by_role("region", name="Products").locator(".card-title").all_inner_texts()
    # Eight candles in the demo shop; Eucalyptus & Mint is sold out.
    assert "Eucalyptus & Mint Candle" not in names
    assert names[0] == "Rose & Sandalwood Candle"  # the dearest candle
    assert names[-1] == "Citrus Grove Candle"  # the cheapest one in stock
    assert len(names) == 7
    expect(page.get_by_text("7 products")).to_be_visible()
    shots(page, "list-filtered")

    page.get_by_role("link", name="Rose & Sandalwood Candle", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rose & Sandalwood Candle")
    broken = page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    shots(page, "product")


# --- 4. cart, coupon, test-gateway checkout, confirmation, account, e-mails, staff refund --------
def add_to_cart(page: Page, slug: str, name: str, size: str) -> None:
    """Choose `size` on the product page (the demo oils and candles come in several)."""
    page.goto(f"/products/{slug}/")
    sizes = page.get_by_role("group", name="Size", exact=True)
    sizes.get_by_text(size, exact=True).click()
    expect(sizes.get_by_role("radio", name=re.compile(rf"^{re.escape(size)}\b"))).to_be_checked()
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_text(f"Added {name} ({size}) to your cart.")).to_be_visible()


def admin_log_in(shop: LiveShop, page: Page) -> None:
    """A staff account made the operator's way (createsuperuser), signed in to the admin."""
    email = new_email("staff")
    code, output = shop.processes.run(
        "createsuperuser",
        "--noinput",
        "--email",
        email,
        env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    assert code == 0, output
    page.goto("/admin/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out")
        .or_(page.get_by_role("button", name="Log out"))
        .first
    ).to_be_visible()


def test_buy_with_a_coupon_and_the_test_gateway_then_find_the_order_and_the_email(
    open_page, shop, shots
):
    shop.shell(
        "from scent.checkout.models import Coupon; "
        "Coupon.objects.create(code='calm10', kind='percent', value=10, "
        "description='10% off for the checklist')"
    )
    page = open_page()
    email = new_email("ada")
    register(page, email)

    add_to_cart(page, "lavender-essential-oil", "Lavender Essential Oil", "10 ml")  # $12.50
    add_to_cart(page, "lavender-vetiver-candle", "Lavender & Vetiver Candle", "200 g")  # $28.00
    page.goto("/cart/")
    expect(page.locator("tr[data-product='EO-LAV-10'] [data-size]")).to_have_text("10 ml")
    expect(page.locator("tr[data-product='CA-LAV-200'] [data-size]")).to_have_text("200 g")
    expect(page.locator("[data-subtotal]")).to_have_text("$40.50")
    shots(page, "cart")

    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("E-mail address")).to_have_value(email)
    page.get_by_role("button", name="Continue to address").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("12 Lavender Lane")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postal code").fill("BA1 1AA")
    page.get_by_label("Country").select_option("GB")
    shots(page, "checkout-address")
    page.get_by_role("button", name="Continue to delivery").click()
    page.get_by_role("radio", name=re.compile("^Standard delivery")).check()
    page.get_by_role("button", name="Continue").click()

    # A wrong code is explained; the right one (any case) takes 10% off the goods.
    page.get_by_label("Coupon code").fill("CALM100")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shots(page, "checkout-coupon-error")
    page.get_by_label("Coupon code").fill("calm10")
    page.get_by_role("button", name="Apply coupon").click()
    # Applied, the review comes next.
    expect(page.get_by_role("status").get_by_text("Coupon CALM10 applied.")).to_be_visible()
    expect(page.get_by_role("region", name="Review your order")).to_be_visible()
    expect(page.locator('[data-total="discount"]')).to_have_text("\N{MINUS SIGN}$4.05")
    # 40.50 - 4.05 + 4.95 standard delivery
    expect(page.locator('[data-total="total"]')).to_have_text("$41.40")
    shots(page, "checkout-review")
    page.get_by_role("button", name="Place order and pay $41.40").click()

    expect(page.get_by_text("Test payments — no real money").first).to_be_visible()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    shots(page, "pay")
    page.get_by_role("button", name="Pay $41.40").click()

    page.wait_for_url(re.compile(r"/orders/TS-\w+/confirmation/$"))
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    number = page.locator("[data-order-number]").first.inner_text()
    expect(page.locator("[data-cart-count]").first).to_have_text("0")
    shots(page, "confirmation")

    page.goto("/account/orders/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text("$41.40")
    shots(page, "account-orders")
    row.get_by_role("link", name=number).click()
    for name, size, sku in (
        ("Lavender Essential Oil", "10 ml", "EO-LAV-10"),
        ("Lavender & Vetiver Candle", "200 g", "CA-LAV-200"),
    ):
        line = page.get_by_role("row").filter(has_text=name)
        expect(line).to_contain_text(size)
        expect(line).to_contain_text(sku)
    shots(page, "account-order")

    # The worker delivers the confirmation through SMTP.
    message = shop.mail_to(email, f"Thank you for your order {number}")
    text = text_body(message)
    assert "1 x Lavender Essential Oil, 10 ml (EO-LAV-10)" in text
    assert "1 x Lavender & Vetiver Candle, 200 g (CA-LAV-200)" in text
    assert "Discount (CALM10): -$4.05" in text
    assert "Total: $41.40" in text
    order_link = first_link(message, rf"/orders/{number}/")
    assert order_link.startswith(shop.url)
    page.goto(order_link)
    expect(page.get_by_text(number).first).to_be_visible()
    expect(page.get_by_text("$41.40").first).to_be_visible()
    assert len([m for m in shop.messages_to(email) if number in str(m["Subject"])]) == 1

    # The guide: "a real small test payment if possible, then refund": staff refund it.
    staff = open_page()
    admin_log_in(shop, staff)
    staff.goto(f"/admin/orders/order/?q={number}")
    staff.get_by_role("link", name=number).click()
    staff.get_by_role("link", name="Refund…").click()
    staff.get_by_label(f"Refund amount for {number}").fill("41.40")
    staff.get_by_label("Reason").fill("Checklist test payment")
    shots(staff, "admin-refund")
    staff.get_by_role("button", name="Refund").click()
    expect(staff.locator(".messagelist")).to_contain_text(number)

    staff.goto("/admin/dashboard/")
    expect(staff.get_by_role("heading", name="Revenue per day")).to_be_visible()
    shots(staff, "admin-dashboard")

    refund = shop.mail_to(email, f"A refund of $41.40 for your order {number}")
    assert number in text_body(refund)
    page.goto("/account/orders/")
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("Refunded")


# --- 5. scent quiz -> a recommended product -> cart ----------------------------------------------
def test_quiz_recommends_a_product_that_goes_in_the_cart(open_page, shop, shots):
    page = open_page()
    page.goto("/quiz/")
    for question, answer in (
        ("How do you want to feel?", "Sleep"),
        ("Which scents do you love?", "Floral"),
        ("How strong should it be?", "Soft and subtle"),
        ("How would you like to enjoy it?", "Candle"),
        ("What would you like to spend?", "No limit"),
    ):
        expect(page.get_by_role("heading", level=1)).to_have_text(question)
        page.get_by_label(answer, exact=True).check()
        if answer == "Sleep":
            shots(page, "quiz-step")
        last = question.startswith("What would")
        page.get_by_role("button", name="See my matches" if last else "Next").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your scent matches")
    matches = page.locator(".quiz-results .product-card")
    expect(matches.first).to_be_visible()
    # The demo shop's sleepy, floral candle comes first, saying why.
    first = matches.first
    expect(first.locator(".card-title")).to_have_text("Lavender & Vetiver Candle")
    expect(first.locator(".quiz-why")).to_contain_text("Helps you sleep")
    shots(page, "quiz-results")

    # The matches can be e-mailed; the worker delivers them.
    email = new_email("noor")
    send = page.locator("form.quiz-email")
    send.get_by_label("E-mail address").fill(email)
    send.get_by_role("button", name="Send").click()
    expect(page.get_by_text(f"Your recommendations are on their way to {email}.")).to_be_visible()
    text = text_body(shop.mail_to(email, "Your scent quiz results"))
    assert "Lavender & Vetiver Candle (from $28.00)" in text  # two sizes, 200 g the cheaper
    assert f"{shop.url}/products/lavender-vetiver-candle/" in text

    first.get_by_role("link", name="Lavender & Vetiver Candle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lavender & Vetiver Candle")
    # The smaller size is chosen for the shopper (the first in stock).
    expect(page.get_by_role("radio", name=re.compile(r"^200 g\b"))).to_be_checked()
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(
        page.get_by_text("Added Lavender & Vetiver Candle (200 g) to your cart.")
    ).to_be_visible()
    page.goto("/cart/")
    expect(page.get_by_role("link", name="Lavender & Vetiver Candle")).to_be_visible()
    expect(page.locator("[data-subtotal]")).to_have_text("$28.00")


# --- 6. newsletter double opt-in -----------------------------------------------------------------
def test_newsletter_sign_up_is_confirmed_by_the_emailed_link(open_page, shop, shots):
    page = open_page()
    email = new_email("june")
    page.goto("/newsletter/")
    shots(page, "newsletter")
    form = page.get_by_role("main").locator("form.newsletter-form")
    form.get_by_role("textbox").fill(email.upper())  # addresses are matched case-insensitively
    form.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Almost there: we've sent you an e-mail")).to_be_visible()

    message = shop.mail_to(email, "Confirm your subscription")
    link = first_link(message, r"/newsletter/confirm/")
    assert link.startswith(shop.url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("You're subscribed")
    expect(page.get_by_text(email)).to_be_visible()
    shots(page, "newsletter-confirmed")

    # Signing up again with the confirmed address sends nothing new.
    page.goto("/newsletter/")
    form = page.get_by_role("main").locator("form.newsletter-form")
    form.get_by_role("textbox").fill(email)
    form.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("This address is already subscribed.")).to_be_visible()
    assert len(shop.messages_to(email)) == 1


# --- 7. password reset by e-mail link ------------------------------------------------------------
def test_password_reset_by_the_emailed_link(open_page, shop, shots):
    email = new_email("mira")
    register(open_page(), email)
    page = open_page()  # another browser, logged out

    page.goto("/accounts/login/")
    page.get_by_role("link", name=re.compile("Forgot", re.IGNORECASE)).click()
    page.get_by_label("E-mail").fill(email)
    shots(page, "password-reset")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    message = shop.mail_to(email, "Reset your password")
    link = first_link(message, r"/accounts/password-reset/[^/]+/[^/]+/")
    assert link.startswith(shop.url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    new_password = "rosemary by the window"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    shots(page, "password-new")
    page.get_by_role("button", name="Save new password").click()

    log_in(page, email, PASSWORD)  # the old password no longer works
    expect(page.get_by_role("alert")).to_be_visible()
    log_in(page, email, new_password)
    page.wait_for_url("**/account/")
    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")


# --- 8. the guide: "Verify Queue Workers" and "Verify Scheduled Tasks" ---------------------------
def test_health_shows_database_cache_queue_and_scheduler_ok(open_page, shop):
    page = open_page()
    details = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    # A shop whose scheduler never ran is not healthy ...
    response = page.request.get("/health", headers=details)
    assert response.status == 503
    assert response.json()["checks"]["scheduler"]["error"] == "the scheduler has never run"
    # ... until cron's `scent schedule run` ticks (the worker has been running all along).
    shop.scent("schedule", "run")
    response = page.request.get("/health", headers=details)
    report = response.json()
    assert response.status == 200, report
    statuses = {name: check["status"] for name, check in report["checks"].items()}
    assert (
        statuses.items()
        >= {"database": "ok", "cache": "ok", "queue": "ok", "scheduler": "ok"}.items()
    )
    assert report["checks"]["queue"]["connection"] == "database"
    # Without the token, only the verdict.
    assert page.request.get("/health").json() == {"status": "ok"}


# --- 9. maintenance mode and the secret bypass (last: it takes the shop down) --------------------
def wait_for_status(page: Page, path: str, status: int):
    """Reload until the shop answers `status` (every process re-reads the state each second)."""
    holder = {}

    def answered() -> bool:
        holder["response"] = page.goto(path)
        return holder["response"].status == status

    wait_until(answered, timeout=30, what=f"{path} to answer {status}")
    return holder["response"]


def test_maintenance_page_and_the_secret_bypass(open_page, shop, shots):
    shop.scent("down", "--secret", "checklist-door", "--retry", "120")
    try:
        visitor = open_page()
        response = wait_for_status(visitor, "/", 503)
        assert response.headers["retry-after"] == "120"
        expect(visitor.get_by_role("heading", level=1)).to_have_text("We're refreshing the shelves")
        expect(visitor.get_by_text("Please come back in about 2 minutes.")).to_be_visible()
        shots(visitor, "maintenance")
        assert visitor.goto("/products/").status == 503
        assert visitor.request.get("/up").status == 200  # the load balancer's check stays up

        staff = open_page()
        response = staff.goto("/checklist-door")
        assert response.status == 200 and staff.url == f"{shop.url}/"
        expect(staff.get_by_role("combobox", name="Search products")).to_be_visible()
        assert staff.goto("/products/lavender-essential-oil/").status == 200
        assert visitor.goto("/").status == 503  # only the browser that used the secret
    finally:
        shop.scent("up")

    wait_for_status(visitor, "/", 200)
    expect(visitor.get_by_role("combobox", name="Search products")).to_be_visible()


# --- 10. the guide: "Check Logs ... for any errors" ----------------------------------------------
def test_logs_of_web_and_worker_show_no_errors(shop):
    """Runs last: everything above went through these processes."""
    errors = [
        record
        for record in shop.log_records()
        if record.get("level") in ("error", "critical")
        # Maintenance answers 503 on purpose; Django logs every 5xx response at error level.
        and not (record.get("status") == 503 or record.get("status_code") == 503)
    ]
    assert errors == [], "\n".join(json.dumps(e)[:2000] for e in errors)
