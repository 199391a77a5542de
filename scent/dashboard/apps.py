from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "scent.dashboard"
    label = "dashboard"
    verbose_name = "Sales dashboard"
