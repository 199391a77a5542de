"""Helpers shared by the order, checkout and cart tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections
from django_tasks_db.models import DBTaskResult

from scent.catalog.inventory import refresh_product_summary
from scent.catalog.models import Product, ProductVariant
from scent.checkout.data import Checkout, CheckoutAddress
from tests.factories import ShippingMethodFactory, variant_of

ADDRESS = CheckoutAddress(
    full_name="Ada Lovelace",
    line1="12 Lavender Lane",
    city="Bath",
    postal_code="BA1 1AA",
    country="GB",
)


def _variant_id(item) -> int:
    """A size's id; a product stands for its first size."""
    return variant_of(item).pk if isinstance(item, Product) else item.pk


def stock(product: Product) -> int:
    """The first size's stock, fresh from the database."""
    return variant_of(product).stock_quantity


def set_stock(product: Product, quantity: int) -> None:
    """Change the first size's shelf directly (a test's setup, not a stock movement)."""
    ProductVariant.objects.filter(pk=variant_of(product).pk).update(stock_quantity=quantity)
    refresh_product_summary(product)


def make_checkout(
    items, *, email="ada@example.com", user=None, coupon_code="", shipping=None, cart_id=None
):
    shipping = shipping or ShippingMethodFactory()
    return Checkout(
        email=email,
        address=ADDRESS,
        shipping_method_id=shipping.pk,
        items=[(_variant_id(p), q) for p, q in items],
        user=user,
        coupon_code=coupon_code,
        cart_id=cart_id,
    )


def queued_emails(template: str | None = None) -> list[dict]:
    """kwargs of the send_email jobs waiting in the database queue, oldest first."""
    jobs = DBTaskResult.objects.filter(task_path="scent.core.emails.send_email").order_by(
        "enqueued_at"
    )
    kwargs = [job.args_kwargs["kwargs"] for job in jobs]
    return [k for k in kwargs if template is None or k["template"] == template]


def race(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in n threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
