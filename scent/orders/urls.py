from django.urls import path

from scent.orders import views

app_name = "orders"

urlpatterns = [
    path("orders/<ref:number>/confirmation/", views.confirmation, name="confirmation"),
    path("orders/<ref:number>/", views.guest_detail, name="guest_detail"),
    path("account/orders/", views.account_list, name="account_list"),
    path("account/orders/<ref:number>/", views.account_detail, name="account_detail"),
]
