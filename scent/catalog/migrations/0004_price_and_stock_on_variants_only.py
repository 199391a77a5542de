"""Products come in sizes (3/3): SKU, size and stock now live on the variant only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_one_variant_per_product")]

    operations = [
        migrations.RemoveField(
            model_name='product',
            name='size',
        ),
        migrations.RemoveField(
            model_name='product',
            name='sku',
        ),
        migrations.RemoveField(
            model_name='product',
            name='stock_quantity',
        ),
        migrations.AddIndex(
            model_name='productvariant',
            index=models.Index(fields=['product', 'position'], name='variant_product_idx'),
        ),
        migrations.AddIndex(
            model_name='productvariant',
            index=models.Index(fields=['is_active', 'stock_quantity'], name='variant_stock_idx'),
        ),
        migrations.AddConstraint(
            model_name='productvariant',
            constraint=models.CheckConstraint(condition=models.Q(('compare_at_price__isnull', True), ('compare_at_price__gt', models.F('price')), _connector='OR'), name='variant_compare_at_above_price'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['variant', '-created_at'], name='movement_variant_idx'),
        ),
    ]
