"""factory-boy factories shared by the whole suite (extend them; don't fork them)."""

from __future__ import annotations

import io

import factory
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from scent.accounts.models import Address, User
from scent.catalog.inventory import refresh_product_summary
from scent.catalog.models import (
    Category,
    Mood,
    Note,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
    ScentFamily,
)
from scent.checkout.models import Coupon, CouponKind, ShippingMethod
from scent.orders.models import Order, OrderLine, OrderStatus, PaymentStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    full_name = "Ada Lovelace"
    line1 = "12 Lavender Lane"
    city = "Bath"
    postal_code = "BA1 1AA"
    country = "GB"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class MoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mood
        django_get_or_create = ("slug",)

    name = factory.Iterator(["Calm", "Sleep", "Energy", "Focus", "Uplift"])
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Note {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    family = ScentFamily.HERBAL


_SIZE_FIELDS = ("sku", "price", "compare_at_price", "stock_quantity", "size", "weight_grams")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with one size built from `sku`, `price`, `compare_at_price`,
    `stock_quantity`, `size` and `weight_grams`; or several: `variants=[{...}, ...]`
    (each dict takes the ProductVariantFactory fields)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    short_description = "A calming essential oil."
    description = "Steam-distilled and bottled in small batches."
    currency = "USD"
    scent_family = ScentFamily.HERBAL
    # The one size's fields (not the product's): taken out in _create.
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = 1250
    compare_at_price = None
    stock_quantity = 10
    size = "10 ml"
    weight_grams = 0
    variants = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        one = {name: kwargs.pop(name) for name in _SIZE_FIELDS}
        sizes = kwargs.pop("variants")
        product = super()._create(model_class, *args, **kwargs)
        if sizes is None:
            one["label"] = one.pop("size")
            sizes = [one]
        for position, fields in enumerate(sizes):
            ProductVariant.objects.create(
                product=product, **{"position": position, **_variant_defaults(), **fields}
            )
        return refresh_product_summary(product)

    @factory.post_generation
    def moods(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.moods.set(extracted)

    @factory.post_generation
    def with_notes(obj, create, extracted, **kwargs):
        """`ProductFactory(with_notes={"top": [note], "base": [...]})`."""
        if create and extracted:
            for position, notes in extracted.items():
                for note in notes:
                    ProductNote.objects.create(product=obj, note=note, position=position)


_variant_numbers = iter(range(1, 10**9))


def _variant_defaults() -> dict:
    n = next(_variant_numbers)
    return {"label": f"Size {n}", "sku": f"VAR-{n:06d}", "price": 1250, "stock_quantity": 10}


class ProductVariantFactory(factory.django.DjangoModelFactory):
    """A size; its product's summary is refreshed (use ProductFactory for whole products)."""

    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory, variants=[])  # no other size
    label = factory.Sequence(lambda n: f"{(n % 9 + 1) * 5} ml")
    sku = factory.Sequence(lambda n: f"VAR-{n:05d}")
    price = 1250
    compare_at_price = None
    stock_quantity = 10
    weight_grams = 0
    position = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        variant = super()._create(model_class, *args, **kwargs)
        refresh_product_summary(variant.product)
        return variant


def variant_of(product: Product) -> ProductVariant:
    """A product's first size, fresh from the database."""
    return ProductVariant.objects.filter(product=product).order_by("position", "pk").first()


def image_bytes(
    size: tuple[int, int] = (640, 480), colour: str = "#b76e99", fmt: str = "JPEG"
) -> bytes:
    """A real picture, encoded in memory (JPEG unless fmt says otherwise)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


class ProductImageFactory(factory.django.DjangoModelFactory):
    """Stored through `add_product_image`, so files and thumbnail are real."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(image_bytes)
    alt_text = factory.LazyAttribute(lambda o: f"A bottle of {o.product.name}")
    position = None

    @classmethod
    def _create(cls, model_class, *, product, image, alt_text, position=None, **kwargs):
        from scent.catalog.services import add_product_image

        return add_product_image(
            product=product,
            image_file=image,
            alt_text=alt_text,
            position=position,
            filename=kwargs.pop("filename", None) or f"{product.slug}.jpg",
        )


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod
        django_get_or_create = ("code",)

    name = "Standard delivery"
    code = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "3 to 5 working days"
    price = 495
    free_over = None


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"CALM{n}")
    kind = CouponKind.PERCENT
    value = 10


class OrderFactory(factory.django.DjangoModelFactory):
    """A stored order (no stock or coupon side effects: use orders.services for those).

    `OrderFactory(paid=True, created_at=...)`: created_at is written after the insert
    (the model sets it on creation); `paid` fills payment status, amount and date.
    """

    class Meta:
        model = Order

    class Params:
        paid = factory.Trait(
            status=OrderStatus.PAID,
            payment_status=PaymentStatus.PAID,
            amount_paid=factory.SelfAttribute("total"),
            paid_at=factory.LazyFunction(timezone.now),
        )

    number = factory.Sequence(lambda n: f"T{n:07d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    currency = "USD"
    subtotal = 2500
    discount = 0
    shipping = 0
    total = factory.LazyAttribute(lambda o: o.subtotal - o.discount + o.shipping)
    prices_include_tax = True
    tax_rate_bps = 0
    shipping_method_name = "Standard delivery"
    ship_full_name = "Ada Lovelace"
    ship_line1 = "12 Lavender Lane"
    ship_city = "Bath"
    ship_postal_code = "BA1 1AA"
    ship_country = "GB"

    @classmethod
    def _create(cls, model_class, *args, created_at=None, **kwargs):
        order = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            fields = {"created_at": created_at}
            if order.paid_at is not None:
                fields["paid_at"] = created_at
            model_class.objects.filter(pk=order.pk).update(**fields)
            for name, value in fields.items():
                setattr(order, name, value)
        return order


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    variant = factory.LazyAttribute(lambda o: variant_of(o.product) if o.product else None)
    product_name = factory.LazyAttribute(lambda o: o.product.name if o.product else "Gone")
    variant_label = factory.LazyAttribute(lambda o: o.variant.label if o.variant else "")
    sku = factory.LazyAttribute(lambda o: o.variant.sku if o.variant else "GONE")
    unit_price = factory.LazyAttribute(lambda o: o.variant.price if o.variant else 1000)
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)
