from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scent.accounts"
    label = "accounts"
    verbose_name = "Customers"
