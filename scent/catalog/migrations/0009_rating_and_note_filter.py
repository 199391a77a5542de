"""The rating sort and deep pages read off an index.

- `Product.rating_average` (hundredths of a star) and `Product.review_count`, the
  summary of each product's approved reviews (scent.catalog.ratings keeps them), filled
  from the reviews there are;
- each sort's index (catalog 0007) again, now ending with the columns the list filters
  on, so a page's primary keys are read off the index alone however deep the page
  (scent.catalog.selectors.ProductPages); and one for the rating sort.

On SQLite the two columns are added with ALTER TABLE ADD COLUMN (with a database
default of 0), not by copying the table as Django does for a NOT NULL column: a copy
would take every product row through a new table and drop the full-text triggers that
live on the old one (catalog 0006).
"""

from django.db import migrations, models

FIELDS = {
    "rating_average": models.PositiveSmallIntegerField(default=0, editable=False),
    "review_count": models.PositiveIntegerField(default=0, editable=False),
}
APPROVED = "approved"  # scent.marketing.models.ReviewStatus.APPROVED
COVER = ["category", "variant_count", "in_stock", "price", "scent_family"]
COVER_NO_PRICE = ["category", "variant_count", "in_stock", "scent_family"]
SORT_INDEXES = {
    "product_featured_idx": ["is_active", "-is_featured", "name", "id", *COVER],
    "product_price_idx": ["is_active", "price", "name", "id", *COVER_NO_PRICE],
    "product_price_desc_idx": ["is_active", "-price", "name", "id", *COVER_NO_PRICE],
    "product_newest_idx": ["is_active", "-created_at", "-id", *COVER],
    "product_name_idx": ["is_active", "name", "id", *COVER],
    "product_category_idx": ["category", "is_active", "-is_featured", "name", "id", *COVER[1:]],
}
RATING_INDEX = [
    "is_active",
    "-rating_average",
    "-review_count",
    "name",
    "id",
    *COVER,
]


class AddColumnInPlace(migrations.AddField):
    """AddField; on SQLite an ALTER TABLE ADD COLUMN with a default of 0 (and DROP COLUMN
    back), where Django would copy the table."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        connection = schema_editor.connection
        check = field.db_check(connection)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} ADD COLUMN "
            f"{schema_editor.quote_name(field.column)} {field.db_type(connection)} "
            f"NOT NULL DEFAULT 0" + (f" CHECK ({check})" if check else "")
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} "
            f"DROP COLUMN {schema_editor.quote_name(field.column)}"
        )


def fill_ratings(apps, schema_editor):
    """Each product's count and average (rounded half up) of its approved reviews."""
    Product = apps.get_model("catalog", "Product")
    try:
        Review = apps.get_model("marketing", "Review")
    except LookupError:  # marketing is migrated after the catalogue: no reviews yet
        return
    rows = (
        Review.objects.filter(status=APPROVED)
        .order_by("product_id")
        .values("product_id")
        .annotate(total=models.Sum("rating"), n=models.Count("pk"))
        .values_list("product_id", "total", "n")
    )
    changed = [
        Product(pk=pk, review_count=n, rating_average=(total * 200 + n) // (2 * n))
        for pk, total, n in rows
    ]
    Product.objects.bulk_update(changed, ["review_count", "rating_average"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_search_vocabulary"),
    ]

    operations = [
        *(migrations.RemoveIndex(model_name="product", name=name) for name in SORT_INDEXES),
        *(
            AddColumnInPlace(model_name="product", name=name, field=field)
            for name, field in FIELDS.items()
        ),
        migrations.RunPython(fill_ratings, migrations.RunPython.noop),
        *(
            migrations.AddIndex(model_name="product", index=models.Index(fields=fields, name=name))
            for name, fields in SORT_INDEXES.items()
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=RATING_INDEX, name="product_rating_idx"),
        ),
    ]
