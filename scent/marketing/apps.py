from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "scent.marketing"
    label = "marketing"
    verbose_name = "Marketing"
