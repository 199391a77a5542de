"""Answer a sign-in refused for its address with the 429 page, on every login form."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from scent.core.client import limited_response


class LoginLimitMiddleware:
    """The shop's and the admin's login pages alike: AddressLoginLimitBackend flags the
    request (`request.login_limited`) and this turns the page into the friendly 429,
    with the e-mail that was typed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "login_limited", False):
            from scent.accounts.forms import EmailAuthenticationForm

            return limited_response(
                request,
                rate=settings.LOGIN_FAILURE_RATE,
                form_class=EmailAuthenticationForm,
                title="Log in",
            )
        return response
