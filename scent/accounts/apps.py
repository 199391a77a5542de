from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scent.accounts"
    label = "accounts"
    verbose_name = "Customers"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from scent.accounts.auth import count_failed_login

        user_login_failed.connect(count_failed_login, dispatch_uid="scent.accounts.failed_login")
