from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "scent.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
