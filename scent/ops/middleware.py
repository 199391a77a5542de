"""Request logging (request id, one access line) and maintenance mode, for every request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from math import ceil
from urllib.parse import urlsplit

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import empty

from scent.core.logging import request_context
from scent.ops import maintenance
from scent.ops.maintenance import MaintenanceState

access_logger = logging.getLogger("scent.request")
logger = logging.getLogger("scent.ops")

REQUEST_ID_HEADER = "X-Request-ID"
# Fly's proxy sets Fly-Request-Id; a proxy in front of nginx may set X-Request-ID.
_INCOMING_ID_KEYS = ("HTTP_X_REQUEST_ID", "HTTP_FLY_REQUEST_ID")
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{7,127}$")
HEALTH_PATH = "/health"


def _request_id(request: HttpRequest) -> str:
    for key in _INCOMING_ID_KEYS:
        value = request.META.get(key, "").strip()
        if _SANE_REQUEST_ID.match(value):
            return value
    return uuid.uuid4().hex


def resolved_user_id(request: HttpRequest) -> int | str | None:
    """The logged-in user's id if this request already loaded the user, else None.

    Never loads the session or the user itself: logging must not add queries.
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    if getattr(user, "_wrapped", None) is empty:  # SimpleLazyObject not evaluated yet
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    """Give each request an id, expose it to every log record and log one access line.

    The id comes from a sane incoming X-Request-ID / Fly-Request-Id (so it matches the
    proxy's logs) or is generated, and is returned in the X-Request-ID header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        context = {
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "_request": request,  # read lazily by RequestContextFilter for user_id
        }
        token = request_context.set(context)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            status = response.status_code
            planned = getattr(response, "planned_maintenance", False)
            access_logger.log(
                logging.ERROR if status >= 500 and not planned else logging.INFO,
                "%s %s %s %sms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": resolved_user_id(request),
                },
            )
            return response
        finally:
            request_context.reset(token)


class MaintenanceMiddleware:
    """Answer every request with the maintenance page while the shop is down (`scent down`).

    Laravel's PreventRequestsDuringMaintenance semantics: `/<secret>` sets a signed bypass
    cookie and redirects home; a valid cookie lets the request through; --redirect sends
    everyone to one address (which itself gets the maintenance page); the admin is blocked
    too. Static and media files and /health still answer; /up is answered before this.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = maintenance.maintenance_state()
        if state is None:
            return self.get_response(request)
        path = request.path_info
        if state.secret and path.strip("/") == state.secret:
            return _bypass_response(state)
        if maintenance.has_valid_bypass_cookie(
            request.COOKIES.get(maintenance.BYPASS_COOKIE), state
        ):
            return self.get_response(request)
        if _is_excepted(path):
            return self.get_response(request)
        if state.redirect and not _is_redirect_target(request, state.redirect):
            return _no_store(HttpResponseRedirect(state.redirect))
        return maintenance_response(state)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The database or Redis went away (a restart, a failover): the 503 page, not a 500."""
        if not (database_unavailable(exception) or redis_unavailable(exception)):
            return None
        logger.warning("database or Redis unavailable, answered 503: %s", exception)
        response = maintenance_response(
            MaintenanceState(started_at=timezone.now(), retry=DATABASE_RETRY_AFTER)
        )
        response.planned_maintenance = False  # type: ignore[attr-defined]
        return response


# MySQL/MariaDB client and server errors that mean "no database right now": too many
# connections, shutdown in progress, lock wait timeout, deadlock, can't connect, server
# gone away, lost connection, disconnected for inactivity.
_MYSQL_UNAVAILABLE = {1040, 1053, 1205, 1213, 2002, 2003, 2006, 2013, 4031}
DATABASE_RETRY_AFTER = 30


def database_unavailable(exc: BaseException) -> bool:
    """True for a failure to reach the database, False for an error in a query."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = exc.args[0] if exc.args else None
    if isinstance(code, int):  # MySQLdb: (code, message)
        return code in _MYSQL_UNAVAILABLE
    cause = type(exc.__cause__)
    if cause.__module__.startswith("psycopg"):  # psycopg: connection failures and timeouts
        return True
    return "database is locked" in str(exc)  # SQLite


def redis_unavailable(exc: BaseException) -> bool:
    """True when Redis (cache, sessions) could not be reached or did not answer in time."""
    try:
        from redis.exceptions import ConnectionError, TimeoutError
    except ImportError:  # no Redis client installed: no Redis in use
        return False
    return isinstance(exc, (ConnectionError, TimeoutError))


def maintenance_response(state: MaintenanceState) -> HttpResponse:
    """The maintenance page with the status and headers `scent down` asked for.

    Rendered without the request: no context processor may touch the database, which
    may be mid-migration.
    """
    context = {
        "APP_NAME": settings.APP_NAME,
        "retry": state.retry,
        "retry_minutes": ceil(state.retry / 60) if state.retry else None,
        "refresh": state.refresh,
        "started_at": state.started_at,
    }
    try:
        html = render_to_string(state.template or "maintenance.html", context)
    except TemplateDoesNotExist:  # --render's template gone since `scent down` checked it
        html = render_to_string("maintenance.html", context)
    response = HttpResponse(html, status=state.status)
    # A planned 503 is not an error: log it once, at info (access logger), and keep
    # Django's "Service Unavailable" error line (and a Sentry event per visitor) out.
    response.planned_maintenance = True  # type: ignore[attr-defined]
    response._has_been_logged = True  # type: ignore[attr-defined]
    if state.retry is not None:
        response["Retry-After"] = str(state.retry)
    if state.refresh is not None:
        response["Refresh"] = str(state.refresh)
    return _no_store(response)


def _bypass_response(state: MaintenanceState) -> HttpResponse:
    response = HttpResponseRedirect("/")
    response.set_cookie(
        maintenance.BYPASS_COOKIE,
        maintenance.bypass_cookie_value(state),
        max_age=maintenance.bypass_cookie_max_age(),
        httponly=True,
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
        samesite="Lax",
    )
    return _no_store(response)


def _is_excepted(path: str) -> bool:
    if path.rstrip("/") == HEALTH_PATH:
        return True
    for prefix in (settings.STATIC_URL, settings.MEDIA_URL):
        if prefix and prefix.startswith("/") and prefix != "/" and path.startswith(prefix):
            return True
    return False


def _is_redirect_target(request: HttpRequest, target: str) -> bool:
    url = urlsplit(target)
    if url.netloc and url.netloc.lower() != request.META.get("HTTP_HOST", "").lower():
        return False  # another site: everyone goes there
    target_path = url.path or "/"
    return request.path_info.rstrip("/") == target_path.rstrip("/")


def _no_store(response: HttpResponse) -> HttpResponse:
    # Keep CDNs and browsers from caching the closed shop (or the redirect) after `scent up`.
    response["Cache-Control"] = "no-cache, no-store, must-revalidate"
    return response
