"""Sales dashboard aggregates: small vs large shop, no cache.

    .venv/bin/python bench/dashboard.py [--small 1000] [--large 50000] [--repeat 5]

Builds a throwaway SQLite shop under a temp dir, bulk-inserts --small paid orders (two
lines each, spread over 120 days, with customers and quiz results in proportion), times
the dashboard's figures for 30 and 90 days with the cache bypassed, then grows the shop
to --large orders and times them again. Prints the median time per range, the number of
queries, and the large/small ratio: numbers from one run are only comparable with each
other, never with a fixed threshold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(storage: Path, tz: str) -> None:
    for key in [k for k in os.environ if k.startswith(("APP_", "DB_", "CACHE_"))]:
        del os.environ[key]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "scent.settings",
            "APP_ENV": "local",
            "APP_DEBUG": "false",
            "APP_TIMEZONE": tz,
            "STORAGE_PATH": str(storage),
            "APP_ENV_FILE": str(storage / "none.env"),
            "DB_CONNECTION": "sqlite",
            "DB_DATABASE": str(storage / "bench.sqlite3"),
            "CACHE_DRIVER": "locmem",
            "LOG_LEVEL": "warning",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def seed(start: int, stop: int, *, products: list, rng: random.Random) -> None:
    """Orders number `start` to `stop - 1`, with their lines, customers and quiz results."""
    from django.db import transaction
    from django.utils import timezone

    from scent.accounts.models import User
    from scent.dashboard.selectors import quiz_model
    from scent.orders.models import Order, OrderLine, OrderStatus, PaymentStatus

    # The model stamps created_at on insert; the benchmark spreads orders over 120 days.
    Order._meta.get_field("created_at").auto_now_add = False
    now = timezone.now()
    statuses = [PaymentStatus.PAID] * 8 + [PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.UNPAID]
    batch = 5000
    with transaction.atomic():
        for first in range(start, stop, batch):
            orders = []
            for i in range(first, min(first + batch, stop)):
                paid = statuses[i % len(statuses)]
                total = rng.randint(800, 12000)
                created = now - dt.timedelta(seconds=rng.randint(0, 120 * 86400))
                orders.append(
                    Order(
                        number=f"B{i:09d}",
                        email=f"buyer{i}@example.com",
                        status=OrderStatus.PENDING
                        if paid == PaymentStatus.UNPAID
                        else OrderStatus.PAID,
                        payment_status=paid,
                        currency="USD",
                        subtotal=total,
                        total=total,
                        prices_include_tax=True,
                        tax_rate_bps=0,
                        amount_paid=0 if paid == PaymentStatus.UNPAID else total,
                        amount_refunded=500 if paid == PaymentStatus.PARTIALLY_REFUNDED else 0,
                        shipping_method_name="Standard",
                        ship_full_name="Ada Lovelace",
                        ship_line1="12 Lavender Lane",
                        ship_city="Bath",
                        ship_postal_code="BA1 1AA",
                        ship_country="GB",
                        created_at=created,
                        paid_at=None if paid == PaymentStatus.UNPAID else created,
                    )
                )
            lines = []
            for order in Order.objects.bulk_create(orders):  # SQLite returns the new ids
                for product in rng.sample(products, 2):
                    qty = rng.randint(1, 3)
                    lines.append(
                        OrderLine(
                            order_id=order.pk,
                            product=product,
                            variant_id=product.first_variant_id,
                            product_name=product.name,
                            sku=f"BENCH-{product.pk:04d}",
                            unit_price=product.price,
                            quantity=qty,
                            line_total=product.price * qty,
                        )
                    )
            OrderLine.objects.bulk_create(lines)
        User.objects.bulk_create(
            User(
                email=f"customer{i}@example.com",
                date_joined=now - dt.timedelta(seconds=rng.randint(0, 120 * 86400)),
            )
            for i in range(start // 5, stop // 5)
        )
        model = quiz_model()
        if model is not None:
            model._meta.get_field("created_at").auto_now_add = False
            model.objects.bulk_create(
                model(
                    answers={
                        "mood": rng.choice(["calm", "sleep", "energy"]),
                        "family": rng.choice(["floral", "citrus", "woody", "any"]),
                        "intensity": rng.choice(["subtle", "balanced", "strong"]),
                        "format": rng.choice(["oil", "candle", "diffuser", "any"]),
                        "budget": rng.choice(["15", "30", "50", "any"]),
                    },
                    created_at=now - dt.timedelta(seconds=rng.randint(0, 120 * 86400)),
                )
                for _ in range(start // 10, stop // 10)
            )


def measure(repeat: int) -> dict[int, tuple[float, float, int, int]]:
    """{days: (median wall s, median CPU s, queries, orders counted)}, cache bypassed.

    CPU time (this process; SQLite runs in it) is steadier than wall time on a busy machine.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scent.dashboard.selectors import RANGES, dashboard

    out = {}
    for days in RANGES:
        wall, cpu = [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                began, began_cpu = time.perf_counter(), time.process_time()
                data = dashboard(days=days, use_cache=False)
                wall.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
        out[days] = (
            statistics.median(wall),
            statistics.median(cpu),
            len(ctx.captured_queries),
            data.orders,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000, help="orders in the small shop")
    parser.add_argument("--large", type=int, default=50000, help="orders in the large shop")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per range (median)")
    parser.add_argument(
        "--timezone", default="Europe/London", help="shop time zone (default: one with DST)"
    )
    args = parser.parse_args()
    if not 0 < args.small < args.large:
        parser.error("--small must be more than 0 and less than --large")

    with tempfile.TemporaryDirectory(prefix="scent-bench-dashboard-") as tmp:
        setup_django(Path(tmp), args.timezone)
        from django.db import connection

        from scent.catalog.models import Category, Product, ProductVariant

        rng = random.Random(42)
        category = Category.objects.create(name="Oils", slug="oils")
        products = Product.objects.bulk_create(
            Product(
                category=category,
                name=f"Bench oil {i}",
                slug=f"bench-oil-{i}",
                price=500 + i * 7,
                price_max=500 + i * 7,
                in_stock=i % 12 > 0,
                variant_count=1,
                currency="USD",
            )
            for i in range(200)
        )
        variants = ProductVariant.objects.bulk_create(
            ProductVariant(
                product=p,
                label="10 ml",
                sku=f"BENCH-{p.pk:04d}",
                price=p.price,
                stock_quantity=i % 12,
            )
            for i, p in enumerate(products)
        )
        for product, variant in zip(products, variants, strict=True):
            product.first_variant_id = variant.pk
        results = {}
        for label, start, stop in (("small", 0, args.small), ("large", args.small, args.large)):
            began = time.perf_counter()
            seed(start, stop, products=products, rng=rng)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            print(f"seeded {stop:,} orders in {time.perf_counter() - began:.1f} s", flush=True)
            results[label] = measure(args.repeat)

        print(f"\ndashboard aggregates, cache bypassed, SQLite, TIME_ZONE={args.timezone}")
        print(f"orders in the shop: {args.small:,} (small) and {args.large:,} (large)")
        print("range  paid orders counted   wall ms small/large   CPU ms small/large  queries")
        for days in results["small"]:
            small, large = results["small"][days], results["large"][days]
            print(
                f"{days:>3} d  {small[3]:>7,} / {large[3]:<9,} "
                f"{small[0] * 1000:>7.1f} / {large[0] * 1000:<7.1f} x{large[0] / small[0]:<5.1f}"
                f"{small[1] * 1000:>7.1f} / {large[1] * 1000:<7.1f} x{large[1] / small[1]:<5.1f}"
                f"{small[2]:>3} / {large[2]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
