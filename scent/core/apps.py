from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "scent.core"
    label = "core"
    verbose_name = "Shop core"

    def ready(self) -> None:
        from scent.core.cache import create_cache_table

        post_migrate.connect(create_cache_table, sender=self)
