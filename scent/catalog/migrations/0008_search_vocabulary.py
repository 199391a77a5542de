"""The catalogue's vocabulary for "Did you mean ...?" (scent.catalog.vocabulary).

On PostgreSQL also pg_trgm and a GIN trigram index on the word, so the closest words to a
typo are found in the index (similarity, the % operator); other databases narrow the
candidates on (length, word) or (length, products) and measure the edit distance in
Python. Then the vocabulary is made from the products already there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# On lower(word) (the words are lowercase already), not on the column itself: a trigram
# index also answers `word = ...`, and PostgreSQL then took it over the unique B-tree for
# `word IN (...)` (70-100 ms instead of 0.2 ms for a product's fifty words).
TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS searchterm_word_trgm "
    "ON catalog_searchterm USING GIN (lower(word) gin_trgm_ops)"
)
DROP_TRIGRAM_INDEX = "DROP INDEX IF EXISTS searchterm_word_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM_INDEX)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGRAM_INDEX)


def fill_vocabulary(apps, schema_editor):
    from scent.catalog import vocabulary

    vocabulary.rebuild(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0007_indexes_for_every_sort"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=40, unique=True)),
                ("length", models.PositiveSmallIntegerField()),
                ("products", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["word"],
                "indexes": [
                    models.Index(fields=["length", "word"], name="searchterm_length_idx"),
                    models.Index(fields=["length", "-products"], name="searchterm_used_idx"),
                ],
            },
        ),
        # Does nothing on SQLite and MariaDB/MySQL.
        TrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(fill_vocabulary, migrations.RunPython.noop),
    ]
