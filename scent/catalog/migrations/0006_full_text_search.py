"""Full-text search: each product's search document, and the database's own index over
name + document (FTS5 on SQLite, FULLTEXT on MariaDB/MySQL, tsvector + GIN on
PostgreSQL); see scent.catalog.search."""

from django.db import migrations, models

from scent.catalog import search


def fill_documents(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    ids = list(Product.objects.values_list("pk", flat=True))
    search.refresh_search_documents(ids, apps=apps)


def create_index(apps, schema_editor):
    for sql in search.INDEX_SQL[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    for sql in search.DROP_SQL[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    # MariaDB cannot build a FULLTEXT index inside a transaction that wrote to the table.
    atomic = False

    dependencies = [
        ("catalog", "0005_size_label_optional_for_one_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
