"""Cart lines become sizes (3/3): the variant is required, once per cart; no product column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cart", "0003_lines_point_at_variants")]

    operations = [
        migrations.RemoveField(model_name="cartitem", name="product"),
        migrations.AlterField(
            model_name="cartitem",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="catalog.productvariant",
            ),
        ),
        migrations.AddConstraint(
            model_name="cartitem",
            constraint=models.UniqueConstraint(
                fields=("cart", "variant"), name="cart_variant_once"
            ),
        ),
    ]
