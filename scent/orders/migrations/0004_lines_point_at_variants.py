"""Order lines keep their size: each existing line points at the variant with its SKU.

Lines are matched by SKU (what was sold) within the line's own product, falling back to
that product's first variant: an SKU given to another product since the sale must not
move the line (and its returned stock) to that product. The label is the size the
product had, now its default variant's label.
"""

from django.db import migrations


def lines_to_variants(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    by_sku = {}
    first_of_product = {}
    for variant in ProductVariant.objects.order_by("-pk").only("pk", "sku", "product_id", "label"):
        by_sku[variant.sku] = variant
        first_of_product[variant.product_id] = variant
    for line in OrderLine.objects.filter(variant__isnull=True).iterator(chunk_size=2000):
        variant = by_sku.get(line.sku)
        if variant is not None and line.product_id not in (None, variant.product_id):
            variant = None
        variant = variant or first_of_product.get(line.product_id)
        if variant is not None:
            OrderLine.objects.filter(pk=line.pk).update(
                variant_id=variant.pk, variant_label=variant.label
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_variants"),
        ("catalog", "0003_one_variant_per_product"),
    ]

    operations = [migrations.RunPython(lines_to_variants)]
