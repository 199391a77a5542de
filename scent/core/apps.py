from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "scent.core"
    label = "core"
    verbose_name = "Shop core"

    def ready(self) -> None:
        from django.urls import register_converter

        from scent.core.cache import create_cache_table
        from scent.core.params import IdConverter, ReferenceConverter

        register_converter(IdConverter, "id")  # <id:pk>: an int a bigint column holds
        register_converter(ReferenceConverter, "ref")  # <ref:number>: an order number

        post_migrate.connect(create_cache_table, sender=self)
