"""Middleware that must run before anything touches the database or the Host header."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

LIVENESS_PATH = "/up"


class LivenessMiddleware:
    """Answer `/up` with 200 as soon as the app has booted.

    It sits first so a load balancer's probe needs no database, no session and no
    allowed Host (Fly and nginx probe with an internal address), like Laravel's /up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            response = HttpResponse("OK\n", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
