from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from scent.marketing import selectors


def marketing(request: HttpRequest) -> dict:
    """`testimonials` for the home page, queried only there and only if the template asks."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != "catalog:home":
        return {}
    return {"testimonials": SimpleLazyObject(selectors.home_testimonials)}
