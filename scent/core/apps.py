from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "scent.core"
    label = "core"
    verbose_name = "Shop core"

    def ready(self) -> None:
        from django.urls import register_converter
        from django.urls.converters import get_converters

        from scent.core.cache import create_cache_table
        from scent.core.params import IdConverter, ReferenceConverter

        # ready() runs again when a test reloads the apps; Django refuses a second
        # registration of one name.
        converters = {"id": IdConverter, "ref": ReferenceConverter}  # <id:pk>, <ref:number>
        for name, converter in converters.items():
            if name not in get_converters():
                register_converter(converter, name)

        post_migrate.connect(create_cache_table, sender=self)
