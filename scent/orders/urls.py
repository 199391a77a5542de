from django.urls import path

from scent.orders import views

app_name = "orders"

urlpatterns = [
    path("orders/<str:number>/confirmation/", views.confirmation, name="confirmation"),
    path("orders/<str:number>/", views.guest_detail, name="guest_detail"),
    path("account/orders/", views.account_list, name="account_list"),
    path("account/orders/<str:number>/", views.account_detail, name="account_detail"),
]
