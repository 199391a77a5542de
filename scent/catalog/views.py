from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from scent.catalog import selectors
from scent.catalog.models import Category


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "featured": selectors.featured_products(),
            "categories": selectors.active_categories(),
        },
    )


def product_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.product_list(), settings.SHOP_PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "catalog/product_list.html", {"page": page})


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug, is_active=True)
    page = Paginator(
        selectors.product_list(category=category), settings.SHOP_PRODUCTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "catalog/product_list.html", {"page": page, "category": category})


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_for_page(slug=slug)
    if product is None:
        raise Http404("No such product")
    return render(request, "catalog/product_detail.html", {"product": product})
