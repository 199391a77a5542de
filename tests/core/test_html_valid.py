"""The storefront's main pages are valid HTML: the Nu HTML Checker (the W3C's validator,
`vnu.jar` from the `vnu-jar` npm package, run with Debian's Java) finds no error in them.

The jar is kept under ~/.cache/the-scent (XDG_CACHE_HOME) once fetched; Java is installed
from Debian's packages when missing, as the other system tools of the suite are. Every page
is validated in one Java run (it starts in about two seconds).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from scent.catalog.models import ProductVariant
from scent.marketing.models import Review, ReviewStatus
from scent.marketing.services import reviews_moderate
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    image_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "the-scent"
REGISTRY = "https://registry.npmjs.org/vnu-jar/latest"


def _cached_jar() -> Path | None:
    jars = sorted(CACHE.glob("vnu-jar-*/vnu.jar"))
    return jars[-1] if jars else None


def _unpack(tarball: bytes, version: str) -> Path:
    """`package/build/dist/vnu.jar` of the npm tarball, kept as vnu-jar-<version>/vnu.jar."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        jar = archive.extractfile("package/build/dist/vnu.jar")
        assert jar is not None, "the vnu-jar package has no build/dist/vnu.jar"
        data = jar.read()
    target = CACHE / f"vnu-jar-{version}" / "vnu.jar"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: another test process never reads half a jar
    return target


def _fetch_jar() -> Path:
    """npm's own client when there is one, else the registry's tarball over HTTPS."""
    CACHE.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run(
            [npm, "pack", "vnu-jar", "--json", "--pack-destination", str(CACHE)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode == 0:
            packed = json.loads(done.stdout)[0]
            tgz = CACHE / packed["filename"]
            jar = _unpack(tgz.read_bytes(), packed["version"])
            tgz.unlink()
            return jar
    with urllib.request.urlopen(REGISTRY, timeout=60) as answer:
        latest = json.load(answer)
    with urllib.request.urlopen(latest["dist"]["tarball"], timeout=300) as answer:
        return _unpack(answer.read(), latest["version"])


def _java() -> str | None:
    java = shutil.which("java")
    if java is None:
        subprocess.run(
            [str(REPO / "scripts" / "ensure-system-packages"), "default-jre-headless"],
            check=False,
            timeout=900,
        )
        java = shutil.which("java")
    return java


@pytest.fixture(scope="session")
def nu_checker() -> list[str]:
    """The command that validates HTML files: `java -jar vnu.jar --errors-only ...`."""
    java = _java()
    if java is None:
        pytest.skip("no Java: Debian's default-jre-headless could not be installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "vnu-jar.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one test process fetches; the others wait for it
        jar = _cached_jar()
        if jar is None:
            try:
                jar = _fetch_jar()
            except OSError as error:
                pytest.skip(f"the vnu-jar npm package could not be fetched: {error}")
    return [java, "-Xss2m", "-jar", str(jar), "--errors-only", "--format", "json"]


def validation_errors(command: list[str], pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds, as "page:line: message (extract)"."""
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    done = subprocess.run(
        [*command, *map(str, (folder / f"{n}.html" for n in pages))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    assert done.returncode in (0, 1), done.stderr
    return [
        f"{Path(m.get('url', '?')).stem}:{m.get('lastLine')}: {m['message']}"
        f" ({m.get('extract', '').strip()[:120]!r})"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


@pytest.fixture
def catalogue():
    """A small shop with what the pages show: sizes (one sold out), pictures, a rating."""
    oils = CategoryFactory(name="Oils", slug="oils", description="Pure oils, steam-distilled.")
    lavender = ProductFactory(
        name="Lavender <Calm> & Co",
        slug="lavender-oil",
        category=oils,
        short_description="Calm in a bottle.",
        is_featured=True,
        variants=[
            {"label": "10 ml", "sku": "LAV-10", "price": 1250, "stock_quantity": 3},
            {"label": "30 ml", "sku": "LAV-30", "price": 2900, "stock_quantity": 0},
        ],
    )
    ProductImageFactory(product=lavender, image=image_bytes((800, 600)), position=0)
    ProductImageFactory(product=lavender, image=image_bytes((800, 600)), position=1)
    ProductFactory(name="Cedar Candle", slug="cedar-candle", category=oils, is_featured=True)
    review = Review.objects.create(
        product=lavender, user=UserFactory(), rating=5, body="Lovely.", title="Calm"
    )
    reviews_moderate(reviews=Review.objects.filter(pk=review.pk), status=ReviewStatus.APPROVED)
    return lavender


def test_the_main_pages_pass_the_nu_html_checker(client, catalogue, nu_checker, tmp_path):
    # given the storefront's main pages as a guest sees them, and as a customer
    pages = {
        "home": "/",
        "list": "/products/",
        "category": "/categories/oils/",
        "product": "/products/lavender-oil/",
        "product-sold-out-size": "/products/lavender-oil/?size=LAV-30",
        "search": "/products/?q=lavender",
        "search-nothing": "/products/?q=lavendr",
        "login": "/accounts/login/",
        "register": "/accounts/register/",
        "password-reset": "/accounts/password-reset/",
        "quiz": "/quiz/",
        "newsletter": "/newsletter/",
    }
    rendered = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        rendered[name] = response.content.decode()
    size = ProductVariant.objects.get(sku="LAV-10")
    client.post("/cart/add/", {"product_id": catalogue.pk, "variant_id": size.pk, "quantity": 2})
    rendered["cart"] = client.get("/cart/").content.decode()
    checkout = client.get("/checkout/", follow=True)
    assert checkout.status_code == 200
    rendered["checkout"] = checkout.content.decode()
    missing = client.get("/products/no-such-oil/")
    assert missing.status_code == 404
    rendered["not-found"] = missing.content.decode()
    with override_settings(REGISTER_RATE="1/h"):  # one attempt an hour per address
        client.post("/accounts/register/", {"email": "one@example.com"})
        limited = client.post("/accounts/register/", {"email": "two@example.com"})
    assert limited.status_code == 429
    rendered["rate-limited"] = limited.content.decode()
    assert "LAV-10" in rendered["cart"] or "10 ml" in rendered["cart"]
    customer = UserFactory()
    order = OrderFactory(user=customer, email=customer.email, paid=True)
    OrderLineFactory(order=order, product=catalogue, variant=size)
    client.force_login(customer)
    account_pages = {
        "account": "/account/",
        "account-profile": "/account/profile/",
        "account-orders": "/account/orders/",
        "account-order": f"/account/orders/{order.number}/",
        "product-signed-in": "/products/lavender-oil/",
        "wishlist": "/account/wishlist/",
    }
    for name, url in account_pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        rendered[name] = response.content.decode()

    # when the Nu HTML Checker reads them all
    errors = validation_errors(nu_checker, rendered, tmp_path)

    # then it finds no error
    assert errors == [], "\n".join(errors)


def test_the_checker_does_find_errors(nu_checker, tmp_path):
    # given a page with a stray end tag and an image without alt text
    broken = "<!doctype html><html lang=en><title>x</title><p><img src=a.png></div>"

    # when it is checked
    errors = validation_errors(nu_checker, {"broken": broken}, tmp_path)

    # then the checker reports them (so an empty report above means something)
    assert any("alt" in error for error in errors), errors
    assert any("div" in error for error in errors), errors
