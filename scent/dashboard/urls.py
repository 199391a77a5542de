from django.contrib import admin
from django.urls import path

from scent.dashboard.views import sales_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", admin.site.admin_view(sales_dashboard), name="sales"),
]
