"""Cart lines become sizes (1/3): a variant column beside the product one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cart", "0001_initial"),
        ("catalog", "0002_variants"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="cartitem", name="cart_product_once"),
        migrations.AddField(
            model_name="cartitem",
            name="variant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="catalog.productvariant",
            ),
        ),
    ]
