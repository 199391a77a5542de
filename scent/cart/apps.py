from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "scent.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from scent.cart import signals  # noqa: F401  (connects the login merge)
        from scent.cart.context_processors import header_cart_count
        from scent.core import page_cache

        page_cache.register_hole("cart_count", lambda request: str(header_cart_count(request)))
