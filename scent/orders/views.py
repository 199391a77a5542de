from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from scent.core import params
from scent.orders import selectors

# Numbers of the orders this browser placed: the confirmation page shows only those.
PLACED_SESSION_KEY = "placed_orders"


def remember_placed_order(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(PLACED_SESSION_KEY, []) if n != number]
    request.session[PLACED_SESSION_KEY] = [*numbers[-9:], number]


def confirmation(request: HttpRequest, number: str) -> HttpResponse:
    order = None
    if number in request.session.get(PLACED_SESSION_KEY, []):
        order = selectors.order_by_number(number)
    elif request.user.is_authenticated:
        order = selectors.order_for_user(request.user, number)
    if order is None:
        raise Http404("No such order")
    return render(request, "orders/confirmation.html", {"order": order})


def guest_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_for_guest_link(number, request.GET.get("token", ""))
    if order is None:
        raise Http404("This order link is not valid")
    return render(request, "orders/guest_detail.html", {"order": order})


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    try:
        number = params.parse_page(request.GET.get("page"))
    except params.BadParameter:
        number = 1
    page = Paginator(selectors.orders_for_user(request.user), 20).get_page(number)
    return render(request, "orders/account_list.html", {"page": page, "orders": page.object_list})


@login_required
def account_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_for_user(request.user, number)
    if order is None:
        raise Http404("No such order")
    return render(request, "orders/detail.html", {"order": order})
