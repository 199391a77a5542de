"""Products come in sizes (2/3): every existing product gets one default variant.

The variant takes the product's SKU, price, compare-at price, stock and size label, so
carts, orders, wishlists, reviews and quiz results keep pointing at the same product
(cart lines and order lines move to the variant in their own apps' migrations). A data
migration of its own: PostgreSQL refuses to alter a table in the transaction that
wrote rows pointing at it.
"""

from django.db import migrations


def one_variant_per_product(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    StockMovement = apps.get_model("catalog", "StockMovement")
    batch = []
    for product in Product.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            ProductVariant(
                product_id=product.pk,
                label=(product.size or "")[:40],
                sku=product.sku,
                price=product.price,
                compare_at_price=product.compare_at_price,
                stock_quantity=product.stock_quantity,
                position=0,
                is_active=True,
            )
        )
        if len(batch) >= 2000:
            ProductVariant.objects.bulk_create(batch)
            batch = []
    ProductVariant.objects.bulk_create(batch)
    # The summary a product keeps of its one size; the opening stock as a movement.
    for variant in ProductVariant.objects.order_by("pk").iterator(chunk_size=2000):
        Product.objects.filter(pk=variant.product_id).update(
            price_max=variant.price, in_stock=variant.stock_quantity > 0, variant_count=1
        )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                variant_id=pk,
                delta=stock,
                quantity_after=stock,
                reason="manual",
                reference="opening stock (sizes introduced)",
            )
            for pk, stock in ProductVariant.objects.filter(stock_quantity__gt=0).values_list(
                "pk", "stock_quantity"
            )
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_variants")]

    operations = [migrations.RunPython(one_variant_per_product)]
