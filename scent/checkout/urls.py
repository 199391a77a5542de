from django.urls import path

from scent.checkout import views

app_name = "checkout"

urlpatterns = [
    path("", views.start, name="start"),
    path("contact/", views.contact, name="contact"),
    path("address/", views.address, name="address"),
    path("shipping/", views.shipping, name="shipping"),
    path("coupon/", views.coupon, name="coupon"),
    path("review/", views.review, name="review"),
    path("place/", views.place, name="place"),
]
