"""Storefront pages: home, product list (search, filters, sort), category, product."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.templatetags.static import static

from scent.catalog import selectors, structured_data, vocabulary
from scent.catalog.forms import ProductFilterForm
from scent.catalog.models import Category, NotePosition, Product, ScentFamily
from scent.catalog.selectors import ProductFilters
from scent.core.money import format_money
from scent.core.page_cache import remember, shared_page


@shared_page
def home(request: HttpRequest) -> HttpResponse:
    categories = selectors.active_categories()
    featured = selectors.featured_products()
    base = structured_data.site_base(request)
    return render(
        request,
        "catalog/home.html",
        {
            "structured_data": structured_data.script_tag(
                structured_data.organization(base=base, logo=static("img/icon-512.png")),
                structured_data.website(base=base),
            ),
            "featured": featured,
            "ingredients": selectors.ingredient_notes(featured=featured),
            "categories": categories,
            "nav_categories": categories,
            "moods": selectors.moods(),
        },
    )


@shared_page
def product_list(request: HttpRequest) -> HttpResponse:
    return _product_list_page(request, category=None)


@shared_page
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    categories = selectors.active_categories()
    category = next((c for c in categories if c.slug == slug), None)
    if category is None:
        raise Http404("No such category")
    return _product_list_page(request, category=category, categories=categories)


def _product_list_page(
    request: HttpRequest,
    *,
    category: Category | None,
    categories: list[Category] | None = None,
) -> HttpResponse:
    if categories is None:
        categories = selectors.active_categories()
    moods, notes = selectors.mood_and_note_choices()
    form = ProductFilterForm(
        request.GET,
        categories=categories,
        moods=moods,
        notes=notes,
        category_fixed=category is not None,
    )
    form.is_valid()  # Invalid fields are shown as errors and left out of the filters.
    filters = form.filters(category=category)
    # Each page's keys are read off the sort's index, then its rows (ProductPages).
    products = selectors.product_pages(filters=filters)
    paginator = Paginator(products, settings.SHOP_PRODUCTS_PER_PAGE)
    paginator.count = selectors.product_count(filters=filters, products=products.products)
    wanted = form.page_number()
    page = paginator.get_page(wanted)
    page_notice = ""
    if wanted > paginator.num_pages and paginator.count:
        page_notice = f"There is no page {wanted}; showing page {page.number}, the last one."
    base = structured_data.site_base(request)
    return render(
        request,
        "catalog/product_list.html",
        {
            "structured_data": structured_data.script_tag(
                structured_data.list_breadcrumbs(category, base=base)
            ),
            "og_title": category.name if category else "Shop all products",
            "og_description": (category.meta_description or category.description)
            if category
            else "",
            "form": form,
            "filters": filters,
            "category": category,
            "nav_categories": categories,
            "page": page,
            "pager": _pager(page, request.GET),
            "active_filters": _active_filters(filters, request.GET),
            "page_notice": page_notice,
            "canonical_query": f"?page={page.number}" if page.number > 1 else "",
            "did_you_mean": _did_you_mean(filters, request.GET) if not paginator.count else None,
        },
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    href: str


def _did_you_mean(filters: ProductFilters, query: QueryDict) -> Suggestion | None:
    """A search that found nothing: the catalogue's own spelling, the other filters kept."""
    text = vocabulary.did_you_mean(filters.q, filters=filters) if filters.q else None
    if text is None:
        return None
    params = _cleaned_query(query, "page")
    params["q"] = text
    return Suggestion(text=text, href=f"?{params.urlencode()}")


@shared_page
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_for_page(slug=slug)
    if product is None:
        raise Http404("No such product")
    sizes, chosen = selectors.product_sizes(product, wanted=request.GET.get("size", ""))
    related = selectors.related_products(product=product, with_images=False)
    selectors.product_page_images([product, *related])
    images = list(product.images.all())
    base = structured_data.site_base(request)
    pictures = structured_data.image_urls(base, images[:1])
    return render(
        request,
        "catalog/product_detail.html",
        {
            "structured_data": structured_data.script_tag(
                structured_data.product(product, sizes=sizes, images=images, base=base),
                structured_data.product_breadcrumbs(product, base=base),
            ),
            "og_type": "product",
            "og_title": product.name,
            "og_description": product.meta_description or product.short_description,
            "og_image": pictures[0] if pictures else "",
            "og_image_alt": images[0].alt_text if pictures else "",
            "product": product,
            "sizes": sizes,
            "chosen": chosen,
            "images": images,
            "note_groups": _note_groups(product),
            "related": related,
        },
    )


def search_suggest(request: HttpRequest) -> JsonResponse:
    """`GET /search/suggest/?q=lav`: products and terms for the header's search box.

    The same for every shopper (nothing per visitor in it), so it is kept under the
    catalogue version and may be kept by the browser for a minute.
    """
    text = request.GET.get("q", "")[:100]
    answer = remember(
        "suggest", text.strip().lower(), lambda: selectors.search_suggestions(text).as_json()
    )
    response = JsonResponse(answer)
    response["Cache-Control"] = "public, max-age=60"
    return response


def web_app_manifest(request: HttpRequest) -> JsonResponse:
    """`/manifest.webmanifest`: the shop as an installable app (name, icons, colours)."""
    manifest = {
        "name": settings.APP_NAME,
        "short_name": settings.APP_NAME[:12],
        "description": settings.SHOP_META_DESCRIPTION,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f8f6f1",
        "theme_color": settings.SHOP_THEME_COLOR,
        "icons": [
            {"src": static(f"img/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the catalogue, not carts, checkouts or accounts; here is the sitemap."""
    base = settings.APP_URL or request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "catalog/robots.txt",
        {"sitemap_url": f"{base}/sitemap.xml"},
        content_type="text/plain; charset=utf-8",
    )


def _note_groups(product: Product) -> list[tuple[str, list]]:
    """[("Top", [note, ...]), ("Heart", [...]), ("Base", [...])], empty groups left out."""
    groups: dict[str, list] = {position: [] for position in NotePosition.values}
    for product_note in product.product_notes.all():
        groups.setdefault(product_note.position, []).append(product_note.note)
    return [(NotePosition(position).label, notes) for position, notes in groups.items() if notes]


@dataclass(frozen=True, slots=True)
class PageLink:
    number: int
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class Pager:
    """Links for a page of results that keep every other query parameter."""

    links: list[PageLink | None]  # None marks a gap ("…")
    previous: str
    next: str


def _cleaned_query(query: QueryDict, *drop: str) -> QueryDict:
    """The query string minus `drop` and empty values."""
    kept = query.copy()
    for name in drop:
        kept.pop(name, None)
    for key in list(kept):
        values = [v for v in kept.getlist(key) if v]
        if values:
            kept.setlist(key, values)
        else:
            del kept[key]
    return kept


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    label: str
    remove_href: str  # the same list without this filter


def _active_filters(filters: ProductFilters, query: QueryDict) -> list[ActiveFilter]:
    shown: list[tuple[str, str]] = []
    if filters.q:
        shown.append(("q", f"“{filters.q}”"))
    if filters.category is not None and "category" in query:
        shown.append(("category", filters.category.name))
    if filters.family:
        shown.append(("family", ScentFamily(filters.family).label))
    if filters.mood is not None:
        shown.append(("mood", filters.mood.name))
    if filters.note is not None:
        shown.append(("note", filters.note.name))
    currency = settings.SHOP_CURRENCY
    if filters.min_price is not None:
        shown.append(("min_price", f"From {format_money(filters.min_price, currency)}"))
    if filters.max_price is not None:
        shown.append(("max_price", f"Up to {format_money(filters.max_price, currency)}"))
    if filters.in_stock:
        shown.append(("in_stock", "In stock"))
    result = []
    for param, label in shown:
        rest = _cleaned_query(query, param, "page").urlencode()
        result.append(ActiveFilter(label=label, remove_href=f"?{rest}" if rest else "?"))
    return result


def _pager(page: Page, query: QueryDict) -> Pager:
    kept = _cleaned_query(query, "page")

    def href(number: int) -> str:
        params = kept.copy()
        if number > 1:
            params["page"] = str(number)
        return f"?{params.urlencode()}" if params else "?"

    paginator = page.paginator
    links: list[PageLink | None] = [
        None
        if number == paginator.ELLIPSIS
        else PageLink(number=number, href=href(number), current=number == page.number)
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return Pager(
        links=links,
        previous=href(page.previous_page_number()) if page.has_previous() else "",
        next=href(page.next_page_number()) if page.has_next() else "",
    )
