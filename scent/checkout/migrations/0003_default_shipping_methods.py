"""A new shop can take orders at once: standard (free from 50.00) and express delivery.

Staff change prices or add methods in the admin; this only creates missing ones.
"""

from django.db import migrations

DEFAULTS = [
    {
        "code": "standard",
        "name": "Standard delivery",
        "description": "3 to 5 working days",
        "price": 495,
        "free_over": 5000,
        "position": 0,
    },
    {
        "code": "express",
        "name": "Express delivery",
        "description": "Next working day when ordered before 2 pm",
        "price": 1295,
        "free_over": None,
        "position": 1,
    },
]


def create_defaults(apps, schema_editor):
    ShippingMethod = apps.get_model("checkout", "ShippingMethod")
    for fields in DEFAULTS:
        ShippingMethod.objects.get_or_create(code=fields["code"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("checkout", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
