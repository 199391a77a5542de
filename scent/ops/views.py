"""Operational endpoints: /health (deep checks; details only for staff or the health token)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from scent.ops.health import OK, run_checks


def _may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return secrets.compare_digest(header.removeprefix("Bearer ").strip(), token)
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} or 503 {"status": "fail"}; staff and token holders see each check."""
    report = run_checks()
    status = 200 if report["status"] == OK else 503
    body = report if _may_see_details(request) else {"status": report["status"]}
    return JsonResponse(body, status=status)
