"""Browser harness: Debian's Chromium driven by Playwright against pytest-django's live_server.

Fixtures for every helper's browser tests:

- ``browser``: one headless Chromium per test session (per xdist worker).
- ``page``: a fresh browser context and page per test (1280x800, 10 s default timeout),
  with ``page.base_url`` pointing at the live server, so ``page.goto("/products/")`` works.
- ``mobile_page``: the same at 390x844 (a phone), for responsive checks.
- ``new_page(width=..., height=...)``: any other viewport.
- ``screenshot(page, "name")``: saves ``test-artifacts/screenshots/<name>.png`` (gitignored).
- ``assert_accessible(page)``: runs axe-core (bundled with axe-playwright-python, no network)
  on the page as it is now and fails with a readable list of WCAG violations.
- ``smtp_sink``: a real SMTP server (aiosmtpd) on 127.0.0.1 receiving this process's mail
  (the mail worker run in the test sends to it); its ``messages`` are what arrived.

Tests using them must be marked ``@pytest.mark.browser``. They use the ``live_server``
fixture, so their database is transactional (data created in the test is visible to the
server thread). Without /usr/bin/chromium they are skipped locally and fail under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The live server binds the loopback address on a port the OS picks (port 0).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1:0")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


# Other directories' conftests import these fixtures, and pytest then holds one session
# fixture per directory. Two Playwright instances cannot live in one thread ("Sync API
# inside the asyncio loop"), so every `browser` fixture shares the first one started.
_shared: dict = {}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if "chromium" in _shared:
        yield _shared["chromium"]
        return
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install Debian's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed; install the dev extras")
    # Playwright's sync API keeps an asyncio event loop in this thread from start() until
    # stop(). Django then sees a "running" loop and refuses every ORM call made by the test
    # thread (factories, database flushes between tests) with SynchronousOnlyOperation,
    # although nothing runs concurrently: the thread blocks while Playwright waits. So the
    # check is switched off for exactly as long as Chromium is up in this process.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        _shared["chromium"] = chromium
        try:
            yield chromium
        finally:
            _shared.pop("chromium", None)
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open pages in fresh contexts; every context is closed after the test."""
    contexts = []

    def open_page(*, width: int = 1280, height: int = 800, **context_options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            **context_options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def mobile_page(new_page):
    return new_page(width=390, height=844, is_mobile=True, has_touch=True)


@pytest.fixture
def screenshot() -> Callable:
    """``screenshot(page, "home-1280")`` writes a full-page PNG and returns its path."""

    def take(page, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return take


@pytest.fixture
def assert_accessible() -> Callable:
    """``assert_accessible(page)``: no axe-core violations (contrast, labels, names, ARIA...)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, *, disable: tuple[str, ...] = ()) -> None:
        options = {
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": False} for rule in disable},
        }
        violations = axe.run(page, options=options).response["violations"]
        report = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
            for v in violations
        ]
        assert not report, f"{page.url} has accessibility problems:\n" + "\n".join(report)

    return check


@pytest.fixture
def smtp_sink(settings) -> Iterator:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, port picked by the OS, receiving this
    process's mail. Its event loop lives in its own thread: Playwright's sync API already
    runs one in the main thread."""
    from aiosmtpd.smtp import SMTP

    from tests.ops.conftest import SmtpServer, _Collector

    sink = SmtpServer(host="127.0.0.1", port=0)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            loop.create_server(lambda: SMTP(_Collector(sink)), host="127.0.0.1", port=0)
        )
        holder["server"] = server
        sink.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="smtp-sink", daemon=True)
    thread.start()
    assert ready.wait(30), "the SMTP sink did not start"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 10},
        }
    }
    try:
        yield sink
    finally:
        loop.call_soon_threadsafe(holder["server"].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
