from django.urls import path

from scent.payments import views

app_name = "payments"

urlpatterns = [
    path("checkout/pay/<ref:order_number>/", views.pay, name="pay"),
    path("checkout/pay/<ref:order_number>/return/", views.stripe_return, name="return"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
