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


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True, category__is_active=True)

    def in_stock(self) -> ProductQuerySet:
        return self.filter(stock_quantity__gt=0)


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField("SKU", max_length=40, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    name = models.CharField(max_length=140)
    short_description = models.CharField(max_length=255)
    description = models.TextField()
    meta_description = models.CharField(max_length=160, blank=True)
    price = models.PositiveIntegerField(help_text="In minor units (cents): 1250 is 12.50")
    compare_at_price = models.PositiveIntegerField(
        null=True, blank=True, help_text="Original price shown struck through, in minor units"
    )
    currency = models.CharField(max_length=3, default=settings.SHOP_CURRENCY)
    stock_quantity = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("active", default=True, db_index=True)
    is_featured = models.BooleanField("featured", default=False)
    scent_family = models.CharField(max_length=16, choices=ScentFamily.choices, blank=True)
    moods = models.ManyToManyField(Mood, blank=True, related_name="products")
    notes = models.ManyToManyField(Note, through="ProductNote", blank=True, related_name="products")
    size = models.CharField(max_length=40, blank=True, help_text="e.g. 10 ml, 200 g, 1 piece")
    ingredients = models.TextField(blank=True)
    how_to_use = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["is_active", "is_featured", "name"], name="product_featured_idx"),
            models.Index(fields=["is_active", "price"], name="product_price_idx"),
            models.Index(fields=["is_active", "category", "name"], name="product_category_idx"),
            models.Index(fields=["scent_family", "is_active"], name="product_family_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True)
                | models.Q(compare_at_price__gt=models.F("price")),
                name="compare_at_price_above_price",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def price_money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock_quantity <= settings.SHOP_LOW_STOCK_THRESHOLD

    @property
    def on_sale(self) -> bool:
        return bool(self.compare_at_price and self.compare_at_price > self.price)


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
