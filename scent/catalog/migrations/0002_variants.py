"""Products come in sizes (1/3): the variant and stock-movement tables, the summary fields."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductVariant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(help_text='e.g. 10 ml, Large, Pack of 3', max_length=40)),
                ('sku', models.CharField(max_length=40, unique=True, verbose_name='SKU')),
                ('price', models.PositiveIntegerField(help_text='In minor units (cents): 1250 is 12.50')),
                ('compare_at_price', models.PositiveIntegerField(blank=True, help_text='Original price shown struck through, in minor units', null=True)),
                ('stock_quantity', models.PositiveIntegerField(default=0)),
                ('weight_grams', models.PositiveIntegerField(default=0, help_text='Packed weight in grams, for shipping')),
                ('position', models.PositiveSmallIntegerField(default=0, help_text='Lower comes first')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'size',
                'ordering': ['position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('delta', models.IntegerField()),
                ('quantity_after', models.PositiveIntegerField()),
                ('reason', models.CharField(choices=[('order', 'Order placed'), ('cancel', 'Order cancelled or refunded'), ('expiry', 'Unpaid order expired'), ('manual', 'Manual change'), ('import', 'Catalogue import')], max_length=8)),
                ('reference', models.CharField(blank=True, help_text='An order number, an import file, a note', max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='compare_at_price_above_price',
        ),
        migrations.AddField(
            model_name='product',
            name='in_stock',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='product',
            name='price_max',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='product',
            name='variant_count',
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name='product',
            name='compare_at_price',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='product',
            name='price',
            field=models.PositiveIntegerField(default=0, editable=False, help_text='Cheapest in-stock size, in minor units'),
        ),
        migrations.AddField(
            model_name='productvariant',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='variants', to='catalog.product'),
        ),
        migrations.AddField(
            model_name='stockmovement',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='stockmovement',
            name='variant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_movements', to='catalog.productvariant'),
        ),
    ]
