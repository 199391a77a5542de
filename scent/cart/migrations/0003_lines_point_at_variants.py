"""Cart lines become sizes (2/3): each line takes its product's one (default) variant."""

from django.db import migrations


def lines_to_variants(apps, schema_editor):
    CartItem = apps.get_model("cart", "CartItem")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    first_variant: dict[int, int] = {}
    for product_id, variant_id in ProductVariant.objects.order_by("-pk").values_list(
        "product_id", "pk"
    ):
        first_variant[product_id] = variant_id  # the lowest id wins
    for item in CartItem.objects.filter(variant__isnull=True).iterator(chunk_size=2000):
        variant_id = first_variant.get(item.product_id)
        if variant_id is None:
            item.delete()
        else:
            CartItem.objects.filter(pk=item.pk).update(variant_id=variant_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cart", "0002_variants"),
        ("catalog", "0003_one_variant_per_product"),
    ]

    operations = [migrations.RunPython(lines_to_variants)]
