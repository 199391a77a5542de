"""The checkout steps: contact → address → shipping → coupon → review → place order → pay.

What the shopper has chosen lives in the session; the totals on every step come from
selectors.quote(), which uses the same compute_totals() as place_order().
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from scent.accounts.models import Address
from scent.accounts.services import address_create
from scent.cart.selectors import CartSummary
from scent.cart.session import cart_summary_for_request
from scent.checkout import selectors
from scent.checkout.data import CheckoutAddress
from scent.checkout.forms import AddressForm, ContactForm, CouponForm, ShippingForm
from scent.checkout.models import ShippingMethod
from scent.checkout.selectors import SESSION_KEY
from scent.core import params
from scent.orders.models import Order
from scent.orders.services import CouponRejected, OrderError, place_order
from scent.orders.views import PLACED_SESSION_KEY, remember_placed_order

STEPS = (
    ("contact", "Contact"),
    ("address", "Address"),
    ("shipping", "Delivery"),
    ("coupon", "Coupon"),
    ("review", "Review"),
)


def _state(request: HttpRequest) -> dict:
    return dict(request.session.get(SESSION_KEY) or {})


def _save(request: HttpRequest, state: dict) -> None:
    request.session[SESSION_KEY] = state


def _missing_step(state: dict) -> str | None:
    if not state.get("email"):
        return "contact"
    if not state.get("address"):
        return "address"
    if not state.get("shipping_method_id"):
        return "shipping"
    return None


def _cart_or_none(request: HttpRequest) -> CartSummary | None:
    """The cart, or None when checkout cannot go on (a message says why)."""
    summary = cart_summary_for_request(request)
    if summary.is_empty:
        messages.info(request, "Your cart is empty.")
        return None
    if summary.has_problems:
        messages.error(request, "Some items in your cart need your attention before checkout.")
        return None
    return summary


StepView = Callable[..., HttpResponse]
ALL_STEPS_BEFORE_REVIEW = ("contact", "address", "shipping")


def checkout_step(*, after: tuple[str, ...] = ()) -> Callable[[StepView], StepView]:
    """Call the step view as view(request, summary, state), or send the shopper back.

    Back to the cart when it cannot be checked out (a message says why), or to the first
    missing step among `after`, the steps this one needs to have been done.
    """

    def decorate(view: StepView) -> StepView:
        @wraps(view)
        def step(request: HttpRequest) -> HttpResponse:
            summary = _cart_or_none(request)
            if summary is None:
                return redirect("cart:detail")
            state = _state(request)
            missing = _missing_step(state)
            if missing in after:
                return redirect(f"checkout:{missing}")
            return view(request, summary, state)

        return step

    return decorate


def _render(request, template: str, step: str, summary: CartSummary, state: dict, **extra):
    q = selectors.quote(
        summary=summary,
        shipping_method_id=state.get("shipping_method_id"),
        coupon_code=state.get("coupon_code", ""),
        email=state.get("email", ""),
        user=request.user,
    )
    context = {
        "steps": STEPS,
        "step": step,
        "state": state,
        "quote": q,
        "totals": q.totals,
        "address": CheckoutAddress.from_dict(state["address"]) if state.get("address") else None,
        **extra,
    }
    return render(request, template, context)


def start(request: HttpRequest) -> HttpResponse:
    if _cart_or_none(request) is None:
        return redirect("cart:detail")
    return redirect(f"checkout:{_missing_step(_state(request)) or 'review'}")


@checkout_step()
def contact(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    initial = {"email": state.get("email") or getattr(request.user, "email", "")}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        state["email"] = form.cleaned_data["email"].strip().lower()
        state.setdefault("token", secrets.token_urlsafe(24))
        _save(request, state)
        return redirect("checkout:address")
    return _render(request, "checkout/contact.html", "contact", summary, state, form=form)


@checkout_step(after=("contact",))
def address(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    saved = list(Address.objects.filter(user=request.user)) if request.user.is_authenticated else []
    form = AddressForm(
        request.POST if request.method == "POST" and not request.POST.get("address_id") else None,
        initial=state.get("address") or {},
        can_save=request.user.is_authenticated,
    )
    if request.method == "POST":
        chosen = None
        if request.POST.get("address_id"):
            chosen = next((a for a in saved if str(a.pk) == request.POST["address_id"]), None)
            if chosen is None:
                messages.error(request, "Please choose one of your saved addresses.")
            else:
                state["address"] = CheckoutAddress.from_address(chosen).as_dict()
        elif form.is_valid():
            state["address"] = CheckoutAddress.from_dict(form.cleaned_data).as_dict()
            if form.cleaned_data.get("save_address"):
                try:
                    address_create(user=request.user, data=state["address"])
                except ValidationError:
                    messages.warning(request, "This address could not be saved to your book.")
                else:
                    messages.success(request, "Address saved to your address book.")
            chosen = True
        if chosen:
            _save(request, state)
            return redirect("checkout:shipping")
    return _render(
        request, "checkout/address.html", "address", summary, state, form=form, saved=saved
    )


@checkout_step(after=("contact", "address"))
def shipping(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    methods = selectors.active_shipping_methods()
    form = ShippingForm(
        request.POST or None,
        methods=methods,
        initial={"shipping_method": state.get("shipping_method_id")},
    )
    if request.method == "POST" and form.is_valid():
        state["shipping_method_id"] = form.cleaned_data["shipping_method"]
        _save(request, state)
        return redirect("checkout:coupon")
    goods = selectors.quote(
        summary=summary,
        shipping_method_id=None,
        coupon_code=state.get("coupon_code", ""),
        email=state.get("email", ""),
        user=request.user,
    ).totals.goods_after_discount
    options = [(m, m.price_for(goods, summary.weight_grams)) for m in methods]
    return _render(
        request, "checkout/shipping.html", "shipping", summary, state, form=form, options=options
    )


@checkout_step(after=ALL_STEPS_BEFORE_REVIEW)
def coupon(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    form = CouponForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            state.pop("coupon_code", None)
            _save(request, state)
            messages.info(request, "Coupon removed.")
            return redirect("checkout:coupon")
        if form.is_valid():
            q = selectors.quote(
                summary=summary,
                shipping_method_id=state.get("shipping_method_id"),
                coupon_code=form.cleaned_data["code"],
                email=state["email"],
                user=request.user,
            )
            if q.coupon_error:
                form.add_error("code", q.coupon_error)
            else:
                state["coupon_code"] = q.coupon.code
                _save(request, state)
                messages.success(request, f"Coupon {q.coupon.code} applied.")
                return redirect("checkout:review")
    return _render(request, "checkout/coupon.html", "coupon", summary, state, form=form)


def _last_placed_payable(request: HttpRequest) -> str | None:
    numbers = request.session.get(PLACED_SESSION_KEY) or []
    if not numbers:
        return None
    order = Order.objects.filter(number=numbers[-1]).first()
    return order.number if order is not None and order.is_payable else None


def _pay_url(number: str) -> str | None:
    try:
        return reverse("payments:pay", kwargs={"order_number": number})
    except NoReverseMatch:
        return None


@checkout_step(after=ALL_STEPS_BEFORE_REVIEW)
def review(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    if not ShippingMethod.objects.active().filter(pk=state["shipping_method_id"]).exists():
        messages.warning(request, "That delivery method is no longer offered; please choose again.")
        state.pop("shipping_method_id")
        _save(request, state)
        return redirect("checkout:shipping")
    if state.get("coupon_code"):
        q = selectors.quote(
            summary=summary,
            shipping_method_id=state.get("shipping_method_id"),
            coupon_code=state["coupon_code"],
            email=state["email"],
            user=request.user,
        )
        if q.coupon_error:
            # e.g. it expired or reached its limit since it was applied: say so, drop it.
            messages.warning(request, f"{q.coupon_error} It has been removed from your order.")
            state.pop("coupon_code")
            _save(request, state)
    return _render(request, "checkout/review.html", "review", summary, state)


@require_POST
def place(request: HttpRequest) -> HttpResponse:
    if not _state(request) and (placed := _last_placed_payable(request)):
        # A second click after the first one finished: go on paying that order.
        return redirect(_pay_url(placed) or reverse("orders:confirmation", args=[placed]))
    return _place(request)


@checkout_step(after=ALL_STEPS_BEFORE_REVIEW)
def _place(request: HttpRequest, summary: CartSummary, state: dict) -> HttpResponse:
    try:
        expected_total = params.parse_int(
            request.POST.get("expected_total"), name="expected_total", low=0, high=params.MAX_ID
        )
    except params.BadParameter:
        messages.error(request, "Please review your order and try again.")
        return redirect("checkout:review")
    checkout = selectors.build_checkout(state=state, summary=summary, user=request.user)
    try:
        order = place_order(checkout=checkout, expected_total=expected_total)
    except CouponRejected as exc:
        messages.error(request, f"{exc} It has been removed from your order.")
        state.pop("coupon_code", None)
        _save(request, state)
        return redirect("checkout:review")
    except OrderError as exc:
        messages.error(request, str(exc))
        return redirect("checkout:review")
    request.session.pop(SESSION_KEY, None)
    remember_placed_order(request, order.number)
    pay_url = _pay_url(order.number)
    if pay_url is None:
        messages.info(request, f"Order {order.number} is placed. The payment step is coming soon.")
        return redirect("orders:confirmation", number=order.number)
    return redirect(pay_url)
