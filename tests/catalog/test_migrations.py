"""A shop that ran before sizes upgrades without losing a product, a cart or an order.

The database is taken back to the last release before sizes (catalog 0001, cart 0001,
orders 0002, checkout 0003), filled the old way through the historical models (SKU,
price, stock and size on the product; cart and order lines on the product), then
migrated forwards to the latest state and read through today's models.

The data migrations (catalog 0003, cart 0003, orders 0004) have no reverse. They are
only ever unapplied here on tables that hold no rows (checked first), where undoing
them has nothing to undo: the executor of this test (and only it) is told so by giving
its own copies of those operations a no-op reverse. Transactional, so it runs on
SQLite, MariaDB and PostgreSQL alike (schema changes cannot run inside the test's
transaction); the fixture always leaves the database migrated to the latest state.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython

from scent.cart.models import CartItem
from scent.catalog.inventory import SUMMARY_FIELDS, summarise
from scent.catalog.models import Product, ProductVariant, StockMovement, StockReason
from scent.marketing.models import QuizResult, Review, WishlistItem
from scent.orders.models import OrderLine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# The last release before sizes: what each app had applied.
BEFORE_SIZES = [
    ("catalog", "0001_initial"),
    ("cart", "0001_initial"),
    ("orders", "0002_checkout_token"),
    ("checkout", "0003_default_shipping_methods"),
]
# The data migrations of the sizes release (forwards only).
DATA_MIGRATIONS = [
    ("catalog", "0003_one_variant_per_product"),
    ("cart", "0003_lines_point_at_variants"),
    ("orders", "0004_lines_point_at_variants"),
]
OPENING_STOCK = "opening stock (sizes introduced)"


def _executor() -> MigrationExecutor:
    """A fresh executor: it reads what the database has applied now."""
    return MigrationExecutor(connection)


def _migrate_to_latest() -> None:
    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _unapply_data_migrations_as_noop(executor: MigrationExecutor) -> None:
    """Give this executor's copies of the one-way data migrations an empty reverse."""
    for key in DATA_MIGRATIONS:
        migration = executor.loader.graph.nodes[key]
        migration.operations = [
            RunPython(op.code, RunPython.noop, hints=op.hints, elidable=op.elidable)
            if isinstance(op, RunPython) and not op.reversible
            else op
            for op in migration.operations
        ]


@pytest.fixture
def old_shop():
    """The database as it was before sizes; the historical models to fill it with.

    Yields the old state's apps. Always migrates back to the latest state afterwards.
    """
    filled = {
        model._meta.label: model.objects.count()
        for model in (Product, ProductVariant, StockMovement, CartItem, OrderLine)
    }
    assert not any(filled.values()), f"rows the reverse no-op would leave behind: {filled}"
    executor = _executor()
    _unapply_data_migrations_as_noop(executor)
    try:
        executor.migrate(BEFORE_SIZES)
        executor.loader.build_graph()  # re-read what is applied now
        applied = set(executor.loader.applied_migrations)
        assert ("catalog", "0002_variants") not in applied
        assert ("cart", "0002_variants") not in applied
        assert ("orders", "0003_variants") not in applied
        assert ("checkout", "0004_shipping_by_weight") not in applied
        yield executor.loader.project_state(sorted(applied)).apps  # every app, as applied
    finally:
        _migrate_to_latest()


def _fill_the_old_way(apps) -> dict:
    """A small shop as the release before sizes stored it; returns the ids to look for."""
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("catalog", "Category")
    Product = apps.get_model("catalog", "Product")
    Cart = apps.get_model("cart", "Cart")
    CartItem = apps.get_model("cart", "CartItem")
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    WishlistItem = apps.get_model("marketing", "WishlistItem")
    Review = apps.get_model("marketing", "Review")
    QuizResult = apps.get_model("marketing", "QuizResult")

    ada = User.objects.create(email="ada@example.com", password="!")
    oils = Category.objects.create(name="Essential oils", slug="essential-oils")

    def product(name: str, **fields):
        return Product.objects.create(
            category=oils,
            name=name,
            slug=name.lower(),
            short_description=f"{name} oil.",
            description="Steam-distilled.",
            currency="USD",
            **fields,
        )

    lavender = product(
        "Lavender", sku="LAV-10", price=1250, compare_at_price=1600, stock_quantity=7, size="10 ml"
    )
    cedar = product("Cedar", sku="CED-1", price=900, stock_quantity=0, size="")
    bergamot = product("Bergamot", sku="BER-30", price=2100, stock_quantity=12, size="30 ml")

    cart = Cart.objects.create(user=ada)
    CartItem.objects.create(cart=cart, product=lavender, quantity=2)
    CartItem.objects.create(cart=cart, product=cedar, quantity=1)

    order = Order.objects.create(
        number="TS-OLD234",
        email="ada@example.com",
        user=ada,
        currency="USD",
        subtotal=2 * 1250 + 2000,
        total=2 * 1250 + 2000,
        prices_include_tax=True,
        tax_rate_bps=0,
        shipping_method_name="Standard delivery",
        ship_full_name="Ada Lovelace",
        ship_line1="12 Lavender Lane",
        ship_city="Bath",
        ship_postal_code="BA1 1AA",
        ship_country="GB",
    )

    def line(product, name: str, sku: str, unit_price: int, quantity: int):
        return OrderLine.objects.create(
            order=order,
            product=product,
            product_name=name,
            sku=sku,
            unit_price=unit_price,
            quantity=quantity,
            line_total=unit_price * quantity,
        )

    lines = {
        "lavender": line(lavender, "Lavender", "LAV-10", 1250, 2),
        # Bergamot's SKU was changed after this sale: the line keeps the old one.
        "renamed": line(bergamot, "Bergamot", "BER-OLD", 2000, 1),
        # Cedar was sold as BER-30, an SKU since given to Bergamot: the line stays Cedar's.
        "reused": line(cedar, "Cedar", "BER-30", 900, 1),
        # A product deleted since (SET_NULL), its SKU known to nobody.
        "gone": line(None, "Discontinued Musk", "MUSK-1", 500, 1),
    }

    wish = WishlistItem.objects.create(user=ada, product=cedar)
    review = Review.objects.create(
        user=ada, product=lavender, rating=5, body="Sleep in a bottle.", status="approved"
    )
    quiz = QuizResult.objects.create(
        user=ada, answers={"mood": "calm"}, product_ids=[lavender.pk, bergamot.pk]
    )
    return {
        "products": {p.sku: p.pk for p in (lavender, cedar, bergamot)},
        "cart": cart.pk,
        "lines": {name: ln.pk for name, ln in lines.items()},
        "wish": wish.pk,
        "review": review.pk,
        "quiz": quiz.pk,
    }


def test_upgrading_to_sizes_keeps_every_product_cart_line_and_order_line(old_shop):
    # Given a shop filled before sizes existed
    ids = _fill_the_old_way(old_shop)
    lavender_id, cedar_id, bergamot_id = (
        ids["products"][sku] for sku in ("LAV-10", "CED-1", "BER-30")
    )

    # When it is migrated to the latest release
    _migrate_to_latest()

    # Then every product has exactly one size carrying what the product had
    sizes = {
        p.pk: list(ProductVariant.objects.filter(product=p))
        for p in Product.objects.filter(pk__in=ids["products"].values())
    }
    assert {pk: len(v) for pk, v in sizes.items()} == {
        lavender_id: 1,
        cedar_id: 1,
        bergamot_id: 1,
    }
    (lavender,), (cedar,), (bergamot,) = sizes[lavender_id], sizes[cedar_id], sizes[bergamot_id]

    def as_sold(v: ProductVariant) -> tuple:
        fields = ("sku", "label", "price", "compare_at_price", "stock_quantity", "position")
        return (*(getattr(v, f) for f in fields), v.is_active, v.weight_grams)

    assert as_sold(lavender) == ("LAV-10", "10 ml", 1250, 1600, 7, 0, True, 0)
    assert as_sold(cedar) == ("CED-1", "", 900, None, 0, 0, True, 0)  # it had no size
    assert as_sold(bergamot) == ("BER-30", "30 ml", 2100, None, 12, 0, True, 0)
    assert cedar.display_name == "Cedar"  # no empty brackets for a product with no size

    # ...each product's summary is what the inventory module would compute from its size
    for product in Product.objects.filter(pk__in=ids["products"].values()):
        expected = summarise(product.variants.all())
        assert {f: getattr(product, f) for f in SUMMARY_FIELDS} == {
            f: getattr(expected, f) for f in SUMMARY_FIELDS
        }, product.name
    shown = dict(Product.objects.values_list("name", "in_stock"))
    assert shown == {"Lavender": True, "Cedar": False, "Bergamot": True}
    on_sale = Product.objects.get(pk=lavender_id)
    assert (on_sale.price, on_sale.compare_at_price, on_sale.on_sale) == (1250, 1600, True)
    assert Product.objects.active().filter(pk__in=ids["products"].values()).count() == 3

    # ...the stock on the shelves is recorded as the opening movement of each size
    movements = sorted(
        StockMovement.objects.values_list("variant__sku", "delta", "quantity_after", "reason")
    )
    assert movements == [
        ("BER-30", 12, 12, StockReason.MANUAL),
        ("LAV-10", 7, 7, StockReason.MANUAL),
    ]
    assert set(StockMovement.objects.values_list("reference", flat=True)) == {OPENING_STOCK}

    # ...the cart still holds the same things, now as sizes
    cart_lines = dict(
        CartItem.objects.filter(cart_id=ids["cart"]).values_list("variant_id", "quantity")
    )
    assert cart_lines == {lavender.pk: 2, cedar.pk: 1}

    # ...order lines point at the size that was sold, and keep what they recorded
    lines = {name: OrderLine.objects.get(pk=pk) for name, pk in ids["lines"].items()}

    def keep(ln: OrderLine) -> tuple:
        return (ln.product_id, ln.product_name, ln.sku, ln.unit_price, ln.quantity)

    assert (lines["lavender"].variant_id, lines["lavender"].variant_label) == (lavender.pk, "10 ml")
    assert keep(lines["lavender"]) == (lavender_id, "Lavender", "LAV-10", 1250, 2)
    # (an unknown SKU falls back to the line's product's one size)
    assert (lines["renamed"].variant_id, lines["renamed"].variant_label) == (bergamot.pk, "30 ml")
    assert keep(lines["renamed"]) == (bergamot_id, "Bergamot", "BER-OLD", 2000, 1)
    assert lines["reused"].variant_id == cedar.pk
    assert keep(lines["reused"]) == (cedar_id, "Cedar", "BER-30", 900, 1)
    assert (lines["gone"].variant_id, lines["gone"].variant_label) == (None, "")
    assert keep(lines["gone"]) == (None, "Discontinued Musk", "MUSK-1", 500, 1)

    # ...and wishlists, reviews and quiz results still point at the products
    assert WishlistItem.objects.get(pk=ids["wish"]).product_id == cedar_id
    assert Review.objects.get(pk=ids["review"]).product_id == lavender_id
    assert QuizResult.objects.get(pk=ids["quiz"]).product_ids == [lavender_id, bergamot_id]
