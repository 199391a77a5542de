"""Public sign-in pages under /accounts/ and the customer's own pages under /account/.

Both prefixes live in this one module (included at the site root) so that every
name stays in the single `accounts` namespace, e.g. `accounts:login`, `accounts:account`.
"""

from django.urls import path

from scent.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/register/", views.register, name="register"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/", views.account, name="account"),
    path("account/profile/", views.profile, name="profile"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/addresses/", views.address_list, name="addresses"),
    path("account/addresses/new/", views.address_add, name="address_add"),
    path("account/addresses/<id:pk>/edit/", views.address_edit, name="address_edit"),
    path("account/addresses/<id:pk>/delete/", views.address_delete, name="address_delete"),
    path("account/addresses/<id:pk>/default/", views.address_set_default, name="address_default"),
]
