"""Adding sizes to products in bulk, from a list an owner types: "5 ml: 6.50, 10 ml: 9.90"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from scent.catalog import inventory, search
from scent.catalog.models import Product, ProductVariant
from scent.core.money import parse_amount

LABEL_MAX = ProductVariant._meta.get_field("label").max_length
SKU_MAX = ProductVariant._meta.get_field("sku").max_length


class SizeListError(ValueError):
    """The list cannot be used as typed; `problems` are for a person, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True, slots=True)
class SizeSpec:
    label: str
    price: int


@dataclass(slots=True)
class AddedSizes:
    created: list[ProductVariant] = field(default_factory=list)
    # product name -> labels it already had (left as they were)
    skipped: dict[str, list[str]] = field(default_factory=dict)


# Entries are separated by commas, semicolons or new lines, so prices are written without
# thousands separators ("1250.00"); a stray "1,250" shows up as an entry without a colon.
_ENTRY_SEPARATOR = re.compile(r"[,;\n]")


def parse_size_list(text: str, *, currency: str) -> list[SizeSpec]:
    """Read "label: price" entries; every problem is reported, not just the first."""
    specs: list[SizeSpec] = []
    problems: list[str] = []
    seen: set[str] = set()
    for raw in _ENTRY_SEPARATOR.split(text or ""):
        entry = raw.strip()
        if not entry:
            continue
        label, colon, price_text = entry.rpartition(":")
        label = label.strip()
        if not colon or not label:
            problems.append(f"“{entry}”: write each size as “label: price”, e.g. “10 ml: 9.90”.")
            continue
        if len(label) > LABEL_MAX:
            problems.append(f"“{label}”: a size label has at most {LABEL_MAX} characters.")
            continue
        try:
            price = parse_amount(price_text, currency)
        except ValueError as exc:
            problems.append(f"“{entry}”: {exc}")
            continue
        if price <= 0:
            problems.append(f"“{entry}”: the price must be more than zero.")
            continue
        if label.casefold() in seen:
            problems.append(f"“{label}” is listed twice.")
            continue
        seen.add(label.casefold())
        specs.append(SizeSpec(label=label, price=price))
    if not specs and not problems:
        problems.append("List at least one size, e.g. “5 ml: 6.50, 10 ml: 9.90”.")
    if problems:
        raise SizeListError(problems)
    return specs


def sku_for(base_sku: str, label: str) -> str:
    """A new size's SKU from the product's first one: EO-LAV-10 + "5 ml" -> EO-LAV-5ML.

    The last dash-separated part of the base is taken to be its size and replaced.
    """
    stem = base_sku.rsplit("-", 1)[0] if "-" in base_sku else base_sku
    suffix = re.sub(r"[^A-Za-z0-9]+", "", label).upper() or "SIZE"
    return f"{stem[: SKU_MAX - len(suffix) - 1]}-{suffix}"


def add_sizes(*, product_ids: Iterable[int], sizes: list[SizeSpec]) -> AddedSizes:
    """Give each product the listed sizes it does not have yet (same label = has it).

    New sizes start with no stock (a delivery is then a stock movement), weigh 0 g until
    the owner says otherwise, and go after the existing ones. All or nothing: an SKU that
    would clash with another size anywhere in the shop stops the whole change.
    """
    result = AddedSizes()
    with transaction.atomic():
        ids = sorted(set(product_ids))
        inventory.lock_products(ids)
        products = (
            Product.objects.filter(pk__in=ids)
            .annotate(last_position=Max("variants__position"))
            .prefetch_related("variants")
            .order_by("pk")
        )
        planned: list[ProductVariant] = []
        for product in products:
            existing = sorted(product.variants.all(), key=lambda v: (v.position, v.pk))
            have = {v.label.casefold() for v in existing}
            base = existing[0].sku if existing else product.slug.upper()
            position = (product.last_position or 0) + 1 if existing else 0
            for spec in sizes:
                if spec.label.casefold() in have:
                    result.skipped.setdefault(product.name, []).append(spec.label)
                    continue
                planned.append(
                    ProductVariant(
                        product=product,
                        label=spec.label,
                        sku=sku_for(base, spec.label),
                        price=spec.price,
                        position=position,
                    )
                )
                position += 1
        _refuse_clashing_skus(planned)
        result.created = ProductVariant.objects.bulk_create(planned)
        inventory.refresh_product_summaries({v.product_id for v in planned})
        search.refresh_search_documents({v.product_id for v in planned})  # the new SKUs
    return result


def _refuse_clashing_skus(planned: list[ProductVariant]) -> None:
    skus = [v.sku for v in planned]
    taken = set(ProductVariant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    twice = {sku for sku in skus if skus.count(sku) > 1}
    problems = [
        f"SKU {sku} already belongs to another size; add this size on its product's page "
        "with an SKU of your choice."
        for sku in sorted(taken)
    ] + [f"Two of the new sizes would share the SKU {sku}." for sku in sorted(twice - taken)]
    if problems:
        raise SizeListError(problems)
