"""Light/dark theme: the shopper's choice kept in a cookie and read on the server.

The page is rendered with ``<html data-theme="light|dark|system">`` so the first paint
already has the right colours (no flash); "system" leaves it to prefers-color-scheme.
The header toggle and the footer chooser are plain POST forms to ``/theme/`` that work
without JavaScript; theme.js switches instantly and posts the same form in the background.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE_NAME = "theme"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
THEMES = ("system", "light", "dark")
DEFAULT_THEME = "system"


def theme_from_request(request: HttpRequest) -> str:
    """The remembered theme, or "system" when the cookie is missing or not one we know."""
    value = request.COOKIES.get(COOKIE_NAME, "")
    return value if value in THEMES else DEFAULT_THEME


def theme(request: HttpRequest) -> dict:
    """Context processor: `theme` ("system", "light" or "dark") for base.html."""
    return {"theme": theme_from_request(request), "theme_choices": THEMES}


def _wants_no_page(request: HttpRequest) -> bool:
    """theme.js asks for an empty answer: it has already switched the page."""
    return request.headers.get("X-Requested-With") == "fetch"


def _back(request: HttpRequest) -> str:
    """The page the form was sent from: the Referer (query string and all), else the
    form's `next` (a path, so no query string that could carry someone else's URL)."""
    for target in (request.headers.get("Referer", ""), request.POST.get("next", "")):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return "/"


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    """Remember the chosen theme for a year and go back to the page it was chosen on."""
    chosen = request.POST.get("theme", "")
    if chosen not in THEMES:
        return HttpResponseBadRequest(
            "Choose a theme: system, light or dark.", content_type="text/plain; charset=utf-8"
        )
    response: HttpResponse
    if _wants_no_page(request):
        response = HttpResponse(status=204)
    else:
        response = HttpResponseRedirect(_back(request))
    response.set_cookie(
        COOKIE_NAME,
        chosen,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )
    return response
