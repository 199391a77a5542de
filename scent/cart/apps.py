from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "scent.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from scent.cart import signals  # noqa: F401  (connects the login merge)
