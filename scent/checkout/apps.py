from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "scent.checkout"
    label = "checkout"
    verbose_name = "Checkout: shipping, coupons"
