from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "scent.orders"
    label = "orders"
    verbose_name = "Orders"
