"""Sign-up, sign-in, password reset and the customer's own account pages."""

from __future__ import annotations

from contextlib import suppress

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from scent.accounts import selectors, services
from scent.accounts.forms import (
    AddressForm,
    EmailAuthenticationForm,
    ProfileForm,
    QueuedPasswordResetForm,
    RegistrationForm,
)
from scent.accounts.models import Address, User
from scent.core.client import limit_per_address


def _next_url(request: HttpRequest) -> str:
    """The `next` URL if it points at this site (never an open redirect), else ""."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _safe_next(request: HttpRequest) -> str:
    """A URL to redirect to (answer it with HttpResponseRedirect: redirect() would try a
    `next` such as "abc" as a view name, a 500)."""
    return _next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


@limit_per_address(
    "register", rate_setting="REGISTER_RATE", form_class=RegistrationForm, title="Create an account"
)
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                marketing_opt_in=data["marketing_opt_in"],
            )
        except ValidationError as error:  # lost a race with an identical sign-up
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {settings.APP_NAME}: your account is ready.")
            return HttpResponseRedirect(_safe_next(request))
    if form.has_error("email", code="duplicate_email"):
        # The page says the e-mail has an account (as before); its owner hears about it.
        services.duplicate_signup_notify(email=form.data.get("email", ""))
    return render(
        request,
        "accounts/register.html",
        {"form": form, "next": _next_url(request)},
    )


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out by POST only, so a link or an image cannot sign anyone out.

    GET (a bookmarked or typed /accounts/logout/) shows a page with the button instead.
    """

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout_confirm.html"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, self.template_name)

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out. See you soon.")
        return response


@method_decorator(
    limit_per_address(
        "password-reset",
        rate_setting="PASSWORD_RESET_RATE",
        form_class=QueuedPasswordResetForm,
        title="Reset your password",
    ),
    name="dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        # Whoever can read the mailbox may sign in again at once, even if sign-in
        # was paused after too many wrong passwords.
        axes_reset(username=form.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- The customer's own account --------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "section": "overview",
        "default_address": selectors.default_address(user=user),
        "address_count": selectors.address_list(user=user).count(),
        # `orders` is added by the orders app; the template shows the block only then.
    }
    return render(request, "accounts/account.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, data=form.profile_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "section": "profile"})


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    success_message = "Your password is changed."
    extra_context = {"section": "password"}


@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    addresses = selectors.address_list(user=request.user)  # type: ignore[arg-type]
    return render(
        request, "accounts/address_list.html", {"addresses": addresses, "section": "addresses"}
    )


@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.address_create(
            user=request.user,  # type: ignore[arg-type]
            data=form.address_data(),
            make_default=form.cleaned_data["make_default"],
        )
        messages.success(request, "Address added.")
        return redirect("accounts:addresses")
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "section": "addresses", "title": "Add an address"},
    )


@login_required
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_or_404(user=request.user, address_id=pk)  # type: ignore[arg-type]
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        services.address_update(
            user=request.user,  # type: ignore[arg-type]
            address_id=address.pk,
            data=form.address_data(),
            make_default=form.cleaned_data["make_default"] and not address.is_default,
        )
        messages.success(request, "Address saved.")
        return redirect("accounts:addresses")
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "address": address, "section": "addresses", "title": "Edit address"},
    )


@login_required
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_or_404(user=request.user, address_id=pk)  # type: ignore[arg-type]
    if request.method == "POST":
        with suppress(Address.DoesNotExist):  # already deleted in another tab
            services.address_delete(user=request.user, address_id=address.pk)  # type: ignore[arg-type]
        messages.success(request, "Address deleted.")
        return redirect("accounts:addresses")
    return render(
        request, "accounts/address_delete.html", {"address": address, "section": "addresses"}
    )


@login_required
@require_POST
def address_set_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.address_get_or_404(user=request.user, address_id=pk)  # type: ignore[arg-type]
    services.address_set_default(user=request.user, address_id=address.pk)  # type: ignore[arg-type]
    messages.success(request, "Default address updated.")
    return redirect(reverse("accounts:addresses"))
