"""The pay page, the Stripe return page and the Stripe webhook; thin, services do the work."""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scent.core import params
from scent.payments import selectors, services, webhooks
from scent.payments.forms import TestCardForm
from scent.payments.gateways import CardDeclined, GatewayError, get_gateway
from scent.payments.models import PaymentStatus

logger = logging.getLogger(__name__)


def _shopper_order(request: HttpRequest, number: str):
    order = selectors.order_for_shopper(request, number)
    if order is None:
        # The same answer for "no such order" and "not yours": order numbers are not secrets.
        raise Http404("No such order")
    return order


def _confirmation(order) -> HttpResponse:
    return redirect("orders:confirmation", number=order.number)


@never_cache
@sensitive_post_parameters("card_number", "expiry", "cvc")
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _shopper_order(request, order_number)
    if order.is_paid:
        return _confirmation(order)
    if not order.is_payable:
        return render(request, "payments/not_payable.html", {"order": order}, status=409)

    gateway = get_gateway()
    context = {"order": order, "gateway": gateway, "error": ""}
    try:
        existed = selectors.has_payment(order_number=order.number, gateway=gateway.name)
        payment = services.start_payment_for_order(order=order, gateway=gateway)
        if gateway.name == "stripe" and request.method == "GET" and existed:
            # Back on the page (back button, reload after paying, a decline): ask Stripe
            # for the intent's state rather than showing a form for a finished payment.
            state = services.sync_payment(payment=payment)
            if state.status == "succeeded":
                return _confirmation(order)
            if state.status == "canceled":  # e.g. canceled in the Stripe dashboard
                payment = services.start_payment_for_order(order=order, gateway=gateway)
            payment.refresh_from_db()
    except GatewayError as error:
        context["error"] = error.message
        return render(request, "payments/pay.html", context, status=502)
    context["payment"] = payment

    if gateway.name == "test":
        form = TestCardForm(request.POST if request.method == "POST" else None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            month, year = form.cleaned_data["expiry"]
            try:
                services.pay_with_test_card(
                    payment=payment,
                    number=form.cleaned_data["card_number"],
                    exp_month=month,
                    exp_year=year,
                    cvc=form.cleaned_data["cvc"],
                )
            except CardDeclined as declined:
                form.add_error(None, declined.message)
            except GatewayError as error:
                form.add_error(
                    "card_number" if error.code == "unsupported_card" else None, error.message
                )
            else:
                return _confirmation(order)
        status = 400 if request.method == "POST" else 200
        return render(request, "payments/pay.html", context, status=status)

    if request.method == "POST":
        return redirect("payments:pay", order_number=order.number)
    context["return_url"] = request.build_absolute_uri(
        reverse("payments:return", kwargs={"order_number": order.number})
    )
    context["publishable_key"] = settings.STRIPE_KEY
    if payment.status == PaymentStatus.FAILED:
        context["error"] = payment.failure_message
    return render(request, "payments/pay.html", context)


@never_cache
@require_GET
def stripe_return(request: HttpRequest, order_number: str) -> HttpResponse:
    """Where Stripe.js sends the shopper after confirming: ask Stripe, never the query string."""
    order = _shopper_order(request, order_number)
    if order.is_paid:
        return _confirmation(order)
    payment = selectors.payment_for_return(
        order_number=order.number,
        gateway="stripe",
        reference=params.plain_reference(request.GET.get("payment_intent")),
    )
    if payment is None:
        messages.error(request, "We could not find that payment. Please try again.")
        return redirect("payments:pay", order_number=order.number)
    try:
        state = services.sync_payment(payment=payment)
    except GatewayError as error:
        return render(
            request,
            "payments/processing.html",
            {"order": order, "error": error.message},
            status=502,
        )
    if state.status == "succeeded":
        return _confirmation(order)
    if state.status == "processing":
        return render(request, "payments/processing.html", {"order": order})
    messages.error(
        request, state.failure_message or "The payment was not completed. Please try again."
    )
    return redirect("payments:pay", order_number=order.number)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed events: 400 unless the signature verifies and the body is an event.

    Replays answer 200, and so do events we handle but cannot read (logged with their
    id): Stripe retries every other answer for days, and a retry would not help.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("stripe webhook received but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponseBadRequest("Webhook secret not configured.")
    payload = request.body
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            request.headers.get("Stripe-Signature", ""),
            secret,
            tolerance=300,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        return HttpResponseBadRequest("Invalid signature or payload.")
    try:
        event = webhooks.parse_payload(payload)
        processed = webhooks.process_event(event)
    except webhooks.BadEvent as error:
        return HttpResponseBadRequest(str(error))
    except webhooks.UnusableEvent:
        return JsonResponse({"received": True, "ignored": True})
    except Exception:
        # Nothing was recorded (the transaction rolled back): Stripe will retry.
        logger.exception("stripe event failed", extra={"event_id": event.get("id")})
        return JsonResponse({"received": False}, status=500)
    return JsonResponse({"received": True, "duplicate": not processed})
