"""Quiz, reviews, newsletter and wishlist pages. Thin: rules live in services/selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from scent.catalog import selectors as catalog_selectors
from scent.catalog.models import Product
from scent.core import params
from scent.core.client import limit_per_address
from scent.marketing import selectors, services
from scent.marketing.forms import EmailForm, QuizQuickForm, QuizStepForm, ReviewForm
from scent.marketing.quiz import (
    RESULT_SESSION_KEY,
    STEPS,
    QuizError,
    clean_answers,
    questions,
    rank,
    recommendations_for,
)
from scent.marketing.services import NewsletterTokenError, SubscribeOutcome

ANSWERS_KEY = "quiz_answers"
RESULT_KEY = RESULT_SESSION_KEY
EMAILS_KEY = "quiz_emails_sent"
MAX_RESULT_EMAILS = 5  # per browser session


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- quiz ------------------------------------------------------------------------------------
def _step_url(step: str) -> str:
    if step == STEPS[0]:
        return reverse("marketing:quiz")
    return reverse("marketing:quiz_step", args=[step])


def quiz(request: HttpRequest, step: str = STEPS[0]) -> HttpResponse:
    """One question per page; each answer is POSTed and kept in the session."""
    if step not in STEPS:
        return redirect("marketing:quiz")
    answers: dict = request.session.get(ANSWERS_KEY, {})
    index = STEPS.index(step)
    missing = next((s for s in STEPS[:index] if s not in answers), None)
    if missing:
        return redirect(_step_url(missing))
    question = questions(moods=catalog_selectors.moods())[index]
    form = QuizStepForm(
        request.POST or None, question=question, initial={"answer": answers.get(step)}
    )
    if request.method == "POST" and form.is_valid():
        answers = {**answers, step: form.cleaned_data["answer"]}
        request.session[ANSWERS_KEY] = answers
        if index + 1 < len(STEPS):
            return redirect(_step_url(STEPS[index + 1]))
        return _finish_quiz(request, answers)
    return render(
        request,
        "marketing/quiz_step.html",
        {
            "form": form,
            "question": question,
            "steps": STEPS,
            "step_number": index + 1,
            "back_url": _step_url(STEPS[index - 1]) if index else "",
        },
    )


def _finish_quiz(request: HttpRequest, answers: dict) -> HttpResponse:
    try:
        answers = clean_answers(answers, moods=catalog_selectors.moods())
    except QuizError as error:
        messages.error(request, str(error))
        return redirect("marketing:quiz")
    result = services.quiz_result_save(
        user=request.user, answers=answers, product_ids=rank(answers=answers)
    )
    request.session[ANSWERS_KEY] = answers
    request.session[RESULT_KEY] = result.pk
    return redirect("marketing:quiz_results")


@require_POST
def quiz_quick(request: HttpRequest) -> HttpResponse:
    """The compact quiz (home page): all answers in one form."""
    all_questions = questions(moods=catalog_selectors.moods())
    form = QuizQuickForm(request.POST, questions=all_questions)
    if not form.is_valid():
        return render(request, "marketing/quiz_quick.html", {"quiz_form": form}, status=400)
    return _finish_quiz(request, form.cleaned_data)


def _answers_summary(answers: dict, all_questions) -> list[str]:
    return [f"{q.title} {q.label_for(answers[q.key])}" for q in all_questions if q.key in answers]


def _last_result(request: HttpRequest):
    """The quiz this browser completed last (its answers and recommended products)."""
    pk = request.session.get(RESULT_KEY)
    return selectors.quiz_result(pk=pk) if isinstance(pk, int) else None


def quiz_results(request: HttpRequest) -> HttpResponse:
    result = _last_result(request)
    if result is None:
        return redirect("marketing:quiz")
    all_questions = questions(moods=catalog_selectors.moods())
    return render(
        request,
        "marketing/quiz_results.html",
        {
            "recommendations": recommendations_for(
                answers=result.answers, product_ids=result.product_ids
            ),
            "answers": [(q, q.label_for(result.answers.get(q.key, ""))) for q in all_questions],
            "email_form": EmailForm(initial={"email": getattr(request.user, "email", "")}),
            "saved": request.user.is_authenticated,
        },
    )


@require_POST
def quiz_email(request: HttpRequest) -> HttpResponse:
    result = _last_result(request)
    if result is None:
        messages.error(request, "Take the quiz first; then we can e-mail your results.")
        return redirect("marketing:quiz")
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["email"][0])
        return redirect("marketing:quiz_results")
    sent = request.session.get(EMAILS_KEY, 0)
    if sent >= MAX_RESULT_EMAILS:
        messages.error(request, "We've sent your results a few times already.")
        return redirect("marketing:quiz_results")
    try:
        services.quiz_results_email(
            email=form.cleaned_data["email"],
            recommendations=recommendations_for(
                answers=result.answers, product_ids=result.product_ids
            ),
            answers_summary=_answers_summary(
                result.answers, questions(moods=catalog_selectors.moods())
            ),
        )
    except services.TooManyEmails as error:
        messages.error(request, str(error))
        return redirect("marketing:quiz_results")
    request.session[EMAILS_KEY] = sent + 1
    messages.success(
        request, f"Your recommendations are on their way to {form.cleaned_data['email']}."
    )
    return redirect("marketing:quiz_results")


@require_POST
def quiz_restart(request: HttpRequest) -> HttpResponse:
    request.session.pop(ANSWERS_KEY, None)
    request.session.pop(RESULT_KEY, None)
    return redirect("marketing:quiz")


# --- reviews ---------------------------------------------------------------------------------
def review_write(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.active().select_related("category"), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    bought = selectors.customer_bought_product(user=request.user, product_id=product.pk)
    review = selectors.own_review(user=request.user, product_id=product.pk)
    initial = (
        {"rating": review.rating, "title": review.title, "body": review.body} if review else {}
    )
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and bought and form.is_valid():
        try:
            services.review_save(user=request.user, product=product, **form.cleaned_data)
        except services.ReviewNotAllowed as error:
            messages.error(request, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Thank you! Your review will appear once our team has read it."
            )
            return redirect(product.get_absolute_url() + "#reviews")
    return render(
        request,
        "marketing/review_form.html",
        {"product": product, "form": form, "review": review, "bought": bought},
        status=200 if bought or request.method == "GET" else 403,
    )


# --- newsletter ------------------------------------------------------------------------------
SUBSCRIBE_MESSAGES = {
    SubscribeOutcome.SENT: "Almost there: we've sent you an e-mail with a link to confirm.",
    SubscribeOutcome.TOO_SOON: (
        "We've just sent you a confirmation link; please check your inbox (and spam folder)."
    ),
    SubscribeOutcome.ALREADY: "This address is already subscribed. Thank you!",
}


def newsletter(request: HttpRequest) -> HttpResponse:
    """The sign-up page (also where a form with a mistake comes back to)."""
    return render(request, "marketing/newsletter.html", {"newsletter_form": EmailForm()})


@require_POST
@limit_per_address(
    "newsletter", rate_setting="NEWSLETTER_RATE", form_class=EmailForm, title="Newsletter"
)
def newsletter_subscribe(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "marketing/newsletter.html",
            {"newsletter_form": form, "next": _safe_next(request, "")},
            status=400,
        )
    try:
        outcome = services.subscriber_subscribe(
            email=form.cleaned_data["email"], source=request.POST.get("source", "")[:20]
        )
    except ValidationError:
        form.add_error("email", "Please enter a valid e-mail address, like name@example.com.")
        return render(request, "marketing/newsletter.html", {"newsletter_form": form}, status=400)
    messages.success(request, SUBSCRIBE_MESSAGES[outcome])
    return HttpResponseRedirect(_safe_next(request, reverse("marketing:newsletter")))


def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = services.subscriber_confirm(token=token)
    except NewsletterTokenError as error:
        return render(
            request,
            "marketing/newsletter_confirm.html",
            {"error": str(error), "newsletter_form": EmailForm()},
            status=400,
        )
    return render(request, "marketing/newsletter_confirm.html", {"subscriber": subscriber})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a CSRF token;
# the signed token in the URL is the proof, and unsubscribing is the only thing it can do.
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = services.subscriber_from_unsubscribe_token(token)
    except NewsletterTokenError as error:
        return render(
            request, "marketing/newsletter_unsubscribe.html", {"error": str(error)}, status=400
        )
    if request.method == "POST":
        subscriber = services.subscriber_unsubscribe(token=token)
        return render(
            request,
            "marketing/newsletter_unsubscribe.html",
            {"done": True, "subscriber": subscriber},
        )
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return render(
        request, "marketing/newsletter_unsubscribe.html", {"subscriber": subscriber, "token": token}
    )


# --- wishlist --------------------------------------------------------------------------------
def _product_from_post(request: HttpRequest) -> Product | None:
    try:
        pk = params.parse_id(request.POST.get("product_id"), name="product_id")
    except params.BadParameter:
        return None
    return Product.objects.active().filter(pk=pk).first()


@require_POST
def wishlist_add(request: HttpRequest) -> HttpResponse:
    product = _product_from_post(request)
    fallback = product.get_absolute_url() if product else reverse("catalog:product_list")
    back = _safe_next(request, fallback)
    if not request.user.is_authenticated:
        messages.info(request, "Log in to keep a wishlist.")
        return redirect_to_login(back)
    if product is None:
        messages.error(request, "That product is no longer available.")
        return HttpResponseRedirect(back)
    services.wishlist_add(user=request.user, product=product)
    messages.success(request, f"{product.name} is on your wishlist.")
    return HttpResponseRedirect(back)


@require_POST
def wishlist_remove(request: HttpRequest) -> HttpResponse:
    back = _safe_next(request, reverse("marketing:wishlist"))
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    try:
        product_id = params.parse_id(request.POST.get("product_id"), name="product_id")
    except params.BadParameter:
        messages.error(request, "That product is not on your wishlist.")
        return HttpResponseRedirect(back)
    if services.wishlist_remove(user=request.user, product_id=product_id):
        messages.success(request, "Removed from your wishlist.")
    return HttpResponseRedirect(back)


@login_required
def wishlist(request: HttpRequest) -> HttpResponse:
    items = list(selectors.wishlist_items(user=request.user))
    return render(request, "marketing/wishlist.html", {"items": items, "section": "wishlist"})
