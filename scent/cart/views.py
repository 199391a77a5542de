"""Cart pages: thin wrappers around scent.cart.services; prices never come from the form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from scent.cart import services
from scent.cart.selectors import cart_summary
from scent.cart.session import cart_for_request
from scent.catalog.models import Product
from scent.core import params
from scent.core.page_cache import shared_page


def _cart_version(request: HttpRequest) -> str:
    """What the cart page shows besides the catalogue: whose cart, and when it changed
    (every change to its lines goes through scent.cart.services, which touch the cart)."""
    cart = cart_for_request(request)
    who = request.user.pk if request.user.is_authenticated else "guest"
    return f"{who}:none" if cart is None else f"{who}:{cart.pk}:{cart.updated_at.isoformat()}"


@shared_page(vary=_cart_version)
def detail(request: HttpRequest) -> HttpResponse:
    summary = cart_summary(cart_for_request(request))
    return render(request, "cart/detail.html", {"summary": summary})


def _back(request: HttpRequest, fallback: str = "cart:detail") -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback)


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    """Add the chosen size (`variant_id`), or a product's only size (`product_id`)."""
    product_id = request.POST.get("product_id")
    try:
        variant = services.choose_variant(
            variant_id=request.POST.get("variant_id"), product_id=product_id
        )
        cart = cart_for_request(request, create=True)
        item = services.add_to_cart(
            cart=cart, variant_id=variant.pk, quantity=request.POST.get("quantity", 1)
        )
    except services.SizeNeeded as exc:
        messages.info(request, str(exc))
        return redirect(exc.product.get_absolute_url())
    except services.CartError as exc:
        messages.error(request, str(exc))
        product = Product.objects.active().filter(pk=_int(product_id)).first()
        if product is not None:
            return redirect(product.get_absolute_url())
        return redirect("cart:detail")
    messages.success(request, f"Added {item.variant.display_name} to your cart.")
    return _back(request)


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    cart = cart_for_request(request)
    if cart is None:
        messages.error(request, "Your cart is empty.")
        return redirect("cart:detail")
    try:
        item = services.set_quantity(
            cart=cart,
            variant_id=request.POST.get("variant_id"),
            quantity=request.POST.get("quantity"),
        )
    except services.CartError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Updated {item.variant.display_name} to {item.quantity}."
            if item
            else "Removed from your cart.",
        )
    return redirect("cart:detail")


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    cart = cart_for_request(request)
    try:
        if cart is None:
            raise services.CartError("Your cart is empty.")
        services.remove_from_cart(cart=cart, variant_id=request.POST.get("variant_id"))
    except services.CartError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Removed from your cart.")
    return redirect("cart:detail")


def _int(value) -> int | None:
    try:
        return params.optional_id(value, name="product_id")
    except params.BadParameter:
        return None
