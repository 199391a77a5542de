"""The catalogue: categories, products, their notes, moods and images."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from scent.core.money import Money


class ScentFamily(models.TextChoices):
    FLORAL = "floral", "Floral"
    CITRUS = "citrus", "Citrus"
    WOODY = "woody", "Woody"
    HERBAL = "herbal", "Herbal"
    SPICY = "spicy", "Spicy"
    EARTHY = "earthy", "Earthy"
    FRESH = "fresh", "Fresh & green"
    RESINOUS = "resinous", "Resinous & balsamic"
    SWEET = "sweet", "Sweet & gourmand"


class NotePosition(models.TextChoices):
    TOP = "top", "Top"
    HEART = "heart", "Heart"
    BASE = "base", "Base"


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    meta_description = models.CharField(max_length=160, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Mood(models.Model):
    """A mood or benefit a shopper looks for: calm, sleep, energy, focus..."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A fragrance note (lavender, bergamot, sandalwood); products use it as top/heart/base."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    family = models.CharField(max_length=16, choices=ScentFamily.choices, blank=True)
    origin = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where the botanical comes from, e.g. Provence, France",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# "Can this be sold" is decided here and nowhere else: SELLABLE_PRODUCT / SELLABLE_VARIANT
# for queries, ProductVariant.is_sellable for a loaded row. A product with no active size
# is not sold (variant_count is kept by scent.catalog.inventory).
SELLABLE_PRODUCT = models.Q(is_active=True, category__is_active=True, variant_count__gt=0)
SELLABLE_VARIANT = models.Q(
    is_active=True, product__is_active=True, product__category__is_active=True
)


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        """Products a shopper can see and buy (at least one active size)."""
        return self.filter(SELLABLE_PRODUCT)

    def in_stock(self) -> ProductQuerySet:
        return self.filter(in_stock=True)


class Product(models.Model):
    """What every size of a product shares; price and stock live on ProductVariant.

    `price`, `price_max`, `compare_at_price`, `in_stock` and `variant_count` summarise the
    active variants (cheapest in-stock size first) so lists, filters and sorts never
    aggregate per row. Only scent.catalog.inventory writes them, in the transaction that
    changes a variant.
    """

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=140, unique=True)
    name = models.CharField(max_length=140)
    short_description = models.CharField(max_length=255)
    description = models.TextField()
    meta_description = models.CharField(max_length=160, blank=True)
    currency = models.CharField(max_length=3, default=settings.SHOP_CURRENCY)
    is_active = models.BooleanField("active", default=True, db_index=True)
    is_featured = models.BooleanField("featured", default=False)
    scent_family = models.CharField(max_length=16, choices=ScentFamily.choices, blank=True)
    moods = models.ManyToManyField(Mood, blank=True, related_name="products")
    notes = models.ManyToManyField(Note, through="ProductNote", blank=True, related_name="products")
    ingredients = models.TextField(blank=True)
    how_to_use = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Summary of the active variants (see the class docstring); never edited by hand.
    price = models.PositiveIntegerField(
        default=0, editable=False, help_text="Cheapest in-stock size, in minor units"
    )
    price_max = models.PositiveIntegerField(default=0, editable=False)
    compare_at_price = models.PositiveIntegerField(null=True, blank=True, editable=False)
    in_stock = models.BooleanField(default=False, editable=False)
    variant_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # What full-text search reads besides the name (scent.catalog.search keeps it).
    search_text = models.TextField(blank=True, default="", editable=False)
    # Summary of the approved reviews for the rating sort, kept by
    # scent.catalog.ratings.refresh_product_rating (the review services call it):
    # the average in hundredths of a star (437 is 4.37; 0 without reviews), and how many.
    rating_average = models.PositiveSmallIntegerField(default=0, editable=False)
    review_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # One index per sort the list offers, in the sort's own column order and
        # directions, so a page is read off the index (LIMIT stops early) instead of
        # sorting every active product (1 s for page 40 of 100,000 before). Each ends
        # with the columns the list filters on (category, sizes, stock, price, family):
        # a page's primary keys are then read off the index alone, with no row looked up
        # for the rows an OFFSET skips (scent.catalog.selectors.ProductPages).
        _cover = ("category", "variant_count", "in_stock", "price", "scent_family")
        _cover_no_price = ("category", "variant_count", "in_stock", "scent_family")
        indexes = [
            models.Index(
                fields=["is_active", "-is_featured", "name", "id", *_cover],
                name="product_featured_idx",
            ),
            models.Index(
                fields=["is_active", "price", "name", "id", *_cover_no_price],
                name="product_price_idx",
            ),
            models.Index(
                fields=["is_active", "-price", "name", "id", *_cover_no_price],
                name="product_price_desc_idx",
            ),
            models.Index(
                fields=["is_active", "-created_at", "-id", *_cover], name="product_newest_idx"
            ),
            models.Index(fields=["is_active", "name", "id", *_cover], name="product_name_idx"),
            models.Index(
                fields=["is_active", "-rating_average", "-review_count", "name", "id", *_cover],
                name="product_rating_idx",
            ),
            models.Index(
                fields=["category", "is_active", "-is_featured", "name", "id", *_cover[1:]],
                name="product_category_idx",
            ),
            models.Index(fields=["scent_family", "is_active"], name="product_family_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def price_money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def on_sale(self) -> bool:
        return bool(self.compare_at_price and self.compare_at_price > self.price)

    @property
    def has_sizes(self) -> bool:
        """More than one size to choose from: cards link to the page instead of adding."""
        return self.variant_count > 1

    @property
    def price_varies(self) -> bool:
        """The sizes differ in price: cards say "from"."""
        return self.price_max > self.price


class ProductVariantQuerySet(models.QuerySet["ProductVariant"]):
    def sellable(self) -> ProductVariantQuerySet:
        return self.filter(SELLABLE_VARIANT)


class ProductVariant(models.Model):
    """One size of a product (10 ml, Large, Pack of 3): its own SKU, price, stock, weight.

    Stock changes only through scent.catalog.inventory (conditional updates, one
    StockMovement each); the admin and imports call it too.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # May stay empty only while it is its product's one size (a product with no sizes to
    # choose from, as every product was before sizes); the admin asks for it otherwise.
    label = models.CharField(max_length=40, blank=True, help_text="e.g. 10 ml, Large, Pack of 3")
    sku = models.CharField("SKU", max_length=40, unique=True)
    price = models.PositiveIntegerField(help_text="In minor units (cents): 1250 is 12.50")
    compare_at_price = models.PositiveIntegerField(
        null=True, blank=True, help_text="Original price shown struck through, in minor units"
    )
    stock_quantity = models.PositiveIntegerField(default=0)
    weight_grams = models.PositiveIntegerField(
        default=0, help_text="Packed weight in grams, for shipping"
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first")
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductVariantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "size"
        indexes = [
            models.Index(fields=["product", "position"], name="variant_product_idx"),
            models.Index(fields=["is_active", "stock_quantity"], name="variant_stock_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True)
                | models.Q(compare_at_price__gt=models.F("price")),
                name="variant_compare_at_above_price",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.label}" if self.label else self.product.name

    @property
    def currency(self) -> str:
        return self.product.currency

    @property
    def is_sellable(self) -> bool:
        """SELLABLE_VARIANT for a loaded row (with its product and category)."""
        p = self.product
        return self.is_active and p.is_active and p.category.is_active

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock_quantity <= settings.SHOP_LOW_STOCK_THRESHOLD

    @property
    def on_sale(self) -> bool:
        return bool(self.compare_at_price and self.compare_at_price > self.price)

    @property
    def display_name(self) -> str:
        return f"{self.product.name} ({self.label})" if self.label else self.product.name


class StockReason(models.TextChoices):
    ORDER = "order", "Order placed"
    CANCEL = "cancel", "Order cancelled or refunded"
    EXPIRY = "expiry", "Unpaid order expired"
    MANUAL = "manual", "Manual change"
    IMPORT = "import", "Catalogue import"


class StockMovement(models.Model):
    """One change to a variant's stock: how much, why, and the quantity after it."""

    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="stock_movements"
    )
    delta = models.IntegerField()
    quantity_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=8, choices=StockReason.choices)
    reference = models.CharField(
        max_length=200, blank=True, help_text="An order number, an import file, a note"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["variant", "-created_at"], name="movement_variant_idx")]

    def __str__(self) -> str:
        return f"{self.variant.sku} {self.delta:+d} ({self.get_reason_display()})"


class ProductNote(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="product_notes")
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="product_notes")
    position = models.CharField(max_length=5, choices=NotePosition.choices)

    class Meta:
        ordering = ["product", "position", "note__name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "note"], name="note_once_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.note} ({self.get_position_display()})"


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"products/{instance.product.slug}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=product_image_path, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True, editable=False)
    alt_text = models.CharField(
        max_length=200, help_text="Describe the picture for shoppers who cannot see it"
    )
    position = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text


class SearchTerm(models.Model):
    """A word of the catalogue's own vocabulary ("Did you mean ...?"), and how many active
    products use it; kept by scent.catalog.vocabulary, never edited by hand."""

    word = models.CharField(max_length=40, unique=True)
    length = models.PositiveSmallIntegerField()  # narrows the candidates for a typo
    products = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["word"]
        indexes = [
            # Typo candidates off an index: a length band's words of one first letter, or
            # a length's most used words (scent.catalog.vocabulary).
            models.Index(fields=["length", "word"], name="searchterm_length_idx"),
            models.Index(fields=["length", "-products"], name="searchterm_used_idx"),
        ]

    def __str__(self) -> str:
        return self.word
