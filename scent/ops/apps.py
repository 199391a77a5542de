from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "scent.ops"
    label = "ops"
    verbose_name = "Operations"
