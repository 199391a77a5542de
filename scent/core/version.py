"""`/version`: which release this process serves (the release id, image ref or "dev").

Deploy tooling and the post-deployment check read it to prove a switch took effect.
It says nothing secret: the same value goes to Sentry as the release name.
"""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def version(request: HttpRequest) -> JsonResponse:
    response = JsonResponse({"version": settings.APP_VERSION})
    response["Cache-Control"] = "no-store"
    response["X-App-Version"] = settings.APP_VERSION
    return response
