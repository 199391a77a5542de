"""Fill the catalogue: the demo shop (idempotent, keyed by slug/SKU) and benchmark bulk.

`scent seed` calls these; they print nothing themselves.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from scent.catalog import demo_data, images, inventory, search
from scent.catalog.models import (
    Category,
    Mood,
    Note,
    NotePosition,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
    ScentFamily,
    StockReason,
)
from scent.catalog.services import add_product_image
from scent.core.page_cache import catalogue_changed

BENCH_SKU_PREFIX = "BENCH-"
BENCH_IMAGE_DIR = "products/_bench"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    images_drawn: int = 0
    bench_added: int = 0
    bench_total: int = 0

    def count(self, kind: str, outcome: str) -> None:
        bucket = self.created if outcome == "created" else self.updated
        if outcome != "unchanged":
            bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.images_drawn or self.bench_added)


def _upsert(model, lookup: dict, values: dict) -> tuple[object, str]:
    """Create, or update only the fields that differ; say which happened."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changed.append("updated_at")
    obj.save(update_fields=changed)
    return obj, "updated"


def seed_demo_catalogue() -> SeedReport:
    """Load or refresh the demo shop; a second run changes nothing."""
    report = SeedReport()
    with transaction.atomic():
        categories = {}
        for position, data in enumerate(demo_data.CATEGORIES):
            obj, outcome = _upsert(
                Category,
                {"slug": data["slug"]},
                {
                    "name": data["name"],
                    "description": data["description"],
                    "meta_description": data["description"][:160],
                    "position": position,
                },
            )
            categories[data["slug"]] = obj
            report.count("categories", outcome)
        moods = {}
        for slug, name in demo_data.MOODS:
            moods[slug], outcome = _upsert(Mood, {"slug": slug}, {"name": name})
            report.count("moods", outcome)
        notes = {}
        for note in demo_data.NOTES:
            notes[note.name], outcome = _upsert(
                Note,
                {"slug": note.slug},
                {
                    "name": note.name,
                    "family": note.family,
                    "origin": note.origin,
                    "description": f"{note.latin}. {note.description}",
                },
            )
            report.count("notes", outcome)
        for data in demo_data.PRODUCTS:
            values = demo_data.product_fields(data)
            values["category"] = categories[data.category]
            product, outcome = _upsert(Product, {"slug": data.slug}, values)
            m2m_changed = _sync_moods(product, [moods[m] for m in data.moods])
            m2m_changed |= _sync_notes(product, data, notes)
            m2m_changed |= _sync_sizes(product, data, report)
            if outcome == "unchanged" and m2m_changed:
                outcome = "updated"
            report.count("products", outcome)
    # Pictures after the rows are committed: files are not transactional, and drawing
    # is the slow part, so a failure here leaves a usable catalogue to re-run on.
    for data in demo_data.PRODUCTS:
        report.images_drawn += _ensure_demo_images(Product.objects.get(slug=data.slug), data)
    return report


def _sync_sizes(product: Product, data: demo_data.ProductData, report: SeedReport) -> bool:
    """Create or update the demo sizes by SKU. Stock is set when a size is created only:
    a second seed never undoes what the shop has sold since."""
    changed = False
    for position, size in enumerate(demo_data.sizes(data)):
        variant, outcome = _upsert(
            ProductVariant,
            {"sku": size.sku},
            {
                "product": product,
                "label": size.label,
                "price": size.price,
                "compare_at_price": size.compare_at,
                "weight_grams": size.weight_grams,
                "position": position,
                "is_active": True,
            },
        )
        if outcome == "created":
            inventory.set_stock(
                variant=variant,
                quantity=size.stock,
                reason=StockReason.MANUAL,
                reference="demo catalogue",
            )
        report.count("sizes", outcome)
        changed |= outcome != "unchanged"
    if changed:
        inventory.refresh_product_summaries([product.pk])
    return changed


def _sync_moods(product: Product, wanted: list[Mood]) -> bool:
    current = set(product.moods.values_list("pk", flat=True))
    if current == {m.pk for m in wanted}:
        return False
    product.moods.set(wanted)
    return True


def _sync_notes(product: Product, data: demo_data.ProductData, notes: dict[str, Note]) -> bool:
    wanted: dict[int, str] = {}
    for position, names in (
        (NotePosition.TOP, data.top),
        (NotePosition.HEART, data.heart),
        (NotePosition.BASE, data.base),
    ):
        for name in names:
            wanted.setdefault(notes[name].pk, position)  # a note appears once per product
    current = dict(product.product_notes.values_list("note_id", "position"))
    if current == wanted:
        return False
    product.product_notes.all().delete()
    ProductNote.objects.bulk_create(
        ProductNote(product=product, note_id=note_id, position=position)
        for note_id, position in wanted.items()
    )
    return True


def _ensure_demo_images(product: Product, data: demo_data.ProductData) -> int:
    """Draw the product's two pictures unless they are there; fix alt texts in place."""
    drawn = 0
    existing = {img.position: img for img in product.images.all()}
    category = demo_data.CATEGORY_NAMES[data.category]
    for position, alt_text in enumerate(demo_data.image_alt_texts(data)):
        image = existing.get(position)
        if image is not None and image.image and image.image.storage.exists(image.image.name):
            if image.alt_text != alt_text:
                image.alt_text = alt_text
                image.save(update_fields=["alt_text"])
            continue
        if image is not None:  # row without its file (storage wiped): draw it again
            image.delete()
        picture = images.draw_demo_image(
            title=data.name,
            family=data.family,
            variant=position,
            subtitle=category if position == 0 else "",
        )
        add_product_image(
            product=product,
            image_file=picture,
            alt_text=alt_text,
            position=position,
            filename=f"{data.slug}-{position + 1}.webp",
        )
        drawn += 1
    return drawn


# --- Benchmark catalogue -------------------------------------------------------

_ADJECTIVES = [
    "Quiet", "Golden", "Wild", "Morning", "Velvet", "Midnight", "Silver", "Coastal", "Alpine",
    "Sunlit", "Forest", "Amber", "Misty", "Secret", "Gentle", "Bright", "Slow", "Warm",
]  # fmt: skip
# category -> (noun, sizes as (label, price factor, weight in grams)); 1-3 per product.
_NOUNS = {
    "essential-oils": (
        "Essential Oil",
        [("5 ml", 0.62, 45), ("10 ml", 1, 60), ("30 ml", 2.3, 110)],
    ),
    "blends": ("Blend", [("5 ml", 0.62, 45), ("10 ml", 1, 60), ("30 ml", 2.3, 110)]),
    "diffusers": ("Reed Diffuser", [("100 ml", 1, 260), ("200 ml", 1.6, 480)]),
    "candles": ("Candle", [("200 g", 1, 320), ("400 g", 1.65, 620)]),
    "soaps-bath": ("Soap", [("Single bar", 1, 140), ("Pack of 3", 2.7, 420)]),
    "gift-sets": ("Gift Set", [("3 items", 1, 600)]),
}


def _bench_pictures() -> dict[str, tuple[str, str, int, int]]:
    """One shared picture + thumbnail per scent family (not 100,000 files)."""
    pictures = {}
    for family in ScentFamily.values:
        name = f"{BENCH_IMAGE_DIR}/{family}.webp"
        thumb = f"{BENCH_IMAGE_DIR}/{family}-thumb.webp"
        if not (default_storage.exists(name) and default_storage.exists(thumb)):
            data = images.draw_demo_image(
                title=f"{ScentFamily(family).label} collection", family=family, size=720
            )
            checked = images.check_image(data)
            for path, content in ((name, data), (thumb, images.make_thumbnail(checked))):
                if default_storage.exists(path):
                    default_storage.delete(path)
                default_storage.save(path, ContentFile(content))
        pictures[family] = (name, thumb, 720, 720)
    return pictures


def bench_product_count() -> int:
    """Synthetic products made so far (each has a first size BENCH-nnnnnnn-1)."""
    return ProductVariant.objects.filter(
        sku__startswith=BENCH_SKU_PREFIX, sku__endswith="-1", position=0
    ).count()


def seed_bench_products(
    total: int,
    *,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Add synthetic products (1-3 sizes each) until `total` of them exist; returns
    (added, total).

    Rows go in with bulk inserts in one transaction per batch, so an interrupted run
    keeps what it made and the next run carries on from there. Each product's summary
    of its sizes is computed as it is built (inventory.summarise), not queried back.
    """
    existing = bench_product_count()
    if existing >= total:
        return 0, existing
    categories = {c.slug: c for c in Category.objects.all()}
    category_list = [c for c in categories.values() if c.slug in _NOUNS] or list(
        categories.values()
    )
    notes = list(Note.objects.all())
    mood_ids = list(Mood.objects.values_list("pk", flat=True))
    if not category_list or len(notes) < 5:
        raise ValueError("load the demo catalogue first (categories and notes are missing)")
    pictures = _bench_pictures()
    through = Product.moods.through
    now = timezone.now()
    added = 0
    start = existing + 1
    while start <= total:
        stop = min(start + batch_size, total + 1)
        rng = random.Random(start)
        products, sizes_of = [], []
        for number in range(start, stop):
            category = rng.choice(category_list)
            noun, size_table = _NOUNS.get(category.slug, ("Product", [("1 piece", 1, 300)]))
            lead = rng.choice(notes)
            name = f"{rng.choice(_ADJECTIVES)} {lead.name} {noun} No. {number}"
            base = rng.randrange(590, 12000, 10) - rng.choice((0, 0, 5, 11))
            count = rng.randint(1, len(size_table))
            variants = []
            for position, (label, factor, weight) in enumerate(size_table[:count]):
                price = int(base * factor)
                variants.append(
                    ProductVariant(
                        label=label,
                        sku=f"{BENCH_SKU_PREFIX}{number:07d}-{position + 1}",
                        price=price,
                        compare_at_price=price + rng.randrange(200, 2000, 100)
                        if rng.random() < 0.2
                        else None,
                        stock_quantity=0 if rng.random() < 0.05 else rng.randrange(1, 150),
                        weight_grams=weight,
                        position=position,
                        is_active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            summary = inventory.summarise(variants)
            products.append(
                Product(
                    category=category,
                    slug=f"{slugify(name)}"[:140],
                    name=name,
                    short_description=f"{lead.name} from {lead.origin or 'small farms'}: a "
                    f"{lead.get_family_display().lower() or 'gentle'} {noun.lower()}.",
                    description=f"A benchmark product built around {lead.name.lower()}. "
                    f"{lead.description}",
                    is_featured=rng.random() < 0.005,
                    scent_family=lead.family,
                    how_to_use=demo_data.HOW_TO_USE.get(category.slug, ""),
                    created_at=now,
                    updated_at=now,
                    **{name: getattr(summary, name) for name in inventory.SUMMARY_FIELDS},
                )
            )
            sizes_of.append(variants)
        with transaction.atomic():
            created = Product.objects.bulk_create(products)
            if any(p.pk is None for p in created):  # backends that don't return ids
                ids = dict(
                    Product.objects.filter(slug__in=[p.slug for p in created]).values_list(
                        "slug", "pk"
                    )
                )
                for p in created:
                    p.pk = p.id = ids[p.slug]
            for product, variants in zip(created, sizes_of, strict=True):
                for variant in variants:
                    variant.product_id = product.pk
            ProductVariant.objects.bulk_create(
                [v for variants in sizes_of for v in variants], batch_size=1000
            )
            product_notes, product_moods, product_images = [], [], []
            for product in created:
                chosen = rng.sample(notes, rng.randint(2, 5))
                positions = [NotePosition.TOP, NotePosition.HEART, NotePosition.BASE]
                for i, note in enumerate(chosen):
                    product_notes.append(
                        ProductNote(
                            product_id=product.pk, note_id=note.pk, position=positions[i % 3]
                        )
                    )
                for mood_id in rng.sample(mood_ids, min(len(mood_ids), rng.randint(1, 3))):
                    product_moods.append(through(product_id=product.pk, mood_id=mood_id))
                image, thumb, width, height = pictures.get(
                    product.scent_family, next(iter(pictures.values()))
                )
                product_images.append(
                    ProductImage(
                        product_id=product.pk,
                        image=image,
                        thumbnail=thumb,
                        alt_text=f"{product.name} label",
                        position=0,
                        width=width,
                        height=height,
                    )
                )
            ProductNote.objects.bulk_create(product_notes, batch_size=1000)
            through.objects.bulk_create(product_moods, batch_size=1000)
            ProductImage.objects.bulk_create(product_images, batch_size=1000)
            search.refresh_search_documents([p.pk for p in created])
        added += len(created)
        if progress:
            progress(len(created))
        start = stop
    catalogue_changed()  # bulk inserts send no signals
    return added, existing + added
