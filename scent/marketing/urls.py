from django.urls import path

from scent.marketing import views

app_name = "marketing"

urlpatterns = [
    path("quiz/", views.quiz, name="quiz"),
    path("quiz/quick/", views.quiz_quick, name="quiz_quick"),
    path("quiz/results/", views.quiz_results, name="quiz_results"),
    path("quiz/results/email/", views.quiz_email, name="quiz_email"),
    path("quiz/restart/", views.quiz_restart, name="quiz_restart"),
    path("quiz/<slug:step>/", views.quiz, name="quiz_step"),
    path("reviews/<slug:slug>/", views.review_write, name="review_write"),
    path("newsletter/", views.newsletter, name="newsletter"),
    path("newsletter/subscribe/", views.newsletter_subscribe, name="newsletter_subscribe"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm, name="newsletter_confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
    path("wishlist/add/", views.wishlist_add, name="wishlist_add"),
    path("wishlist/remove/", views.wishlist_remove, name="wishlist_remove"),
    path("account/wishlist/", views.wishlist, name="wishlist"),
]
