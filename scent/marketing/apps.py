from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "scent.marketing"
    label = "marketing"
    verbose_name = "Marketing"

    def ready(self) -> None:
        from scent.marketing import signals

        signals.connect()
