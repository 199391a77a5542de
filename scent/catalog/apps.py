from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "scent.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from scent.catalog import signals

        signals.connect()
