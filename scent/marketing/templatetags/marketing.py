"""Template tags for the marketing includes on pages other apps own (home, product, account)."""

from __future__ import annotations

from django import template

from scent.marketing import selectors
from scent.marketing.forms import EmailForm, QuizQuickForm
from scent.marketing.quiz import questions

register = template.Library()


@register.simple_tag
def quiz_quick_form(moods):
    """The compact quiz form; `moods` is the list the home page already has."""
    return QuizQuickForm(questions=questions(moods=list(moods)))


@register.simple_tag
def newsletter_form(place: str = "footer"):
    """A sign-up form whose ids are unique on the page (`place`: footer, home...)."""
    return EmailForm(auto_id=f"newsletter-{place}-%s")


def _product_page(context, product):
    """(review summary, shopper state) for `product`, queried once per page."""
    cached = getattr(product, "_marketing_page", None)
    if cached is None:
        cached = selectors.product_page_reviews(product_id=product.pk, user=context.get("user"))
        product._marketing_page = cached
    return cached


@register.simple_tag(takes_context=True)
def product_reviews(context, product):
    """Average, count and newest approved reviews of `product`."""
    return _product_page(context, product)[0]


@register.simple_tag(takes_context=True)
def product_user_state(context, product):
    """Wished / bought / reviewed for the signed-in shopper."""
    return _product_page(context, product)[1]


@register.simple_tag
def account_quiz_results(user):
    return selectors.quiz_results_for_user(user=user)


@register.filter
def stars(rating) -> str:
    """4 -> "★★★★☆"."""
    try:
        n = max(0, min(5, round(float(rating))))
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)
