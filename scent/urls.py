from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from scent.catalog.sitemaps import SITEMAPS
from scent.catalog.sitemaps import TEMPLATE as SITEMAP_TEMPLATE
from scent.core.theme import set_theme
from scent.core.version import version

# A request the shop cannot read (BadParameter and other BadRequests): a page saying what.
handler400 = "scent.core.params.bad_request"

admin.site.site_header = f"{settings.APP_NAME} administration"
admin.site.site_title = settings.APP_NAME
admin.site.index_title = "Shop management"

urlpatterns = [
    path("admin/dashboard/", include("scent.dashboard.urls")),  # staff only (admin_view)
    path("admin/", admin.site.urls),
    path("", include("scent.ops.urls")),  # /health
    path("version", version, name="version"),
    path("theme/", set_theme, name="theme"),  # light/dark/system cookie
    # /orders/<number>/... and /account/orders/... (before the accounts include)
    path("", include("scent.orders.urls")),
    path("cart/", include("scent.cart.urls")),
    path("checkout/", include("scent.checkout.urls")),
    # /checkout/pay/<number>/ and /webhooks/stripe/
    path("", include("scent.payments.urls")),
    # /accounts/... (sign-in, reset) and /account/... (the customer's own pages)
    path("", include("scent.accounts.urls")),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "template_name": SITEMAP_TEMPLATE},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    # /quiz/, /newsletter/, /reviews/, /wishlist/ and /account/wishlist/
    path("", include("scent.marketing.urls")),
    path("", include("scent.catalog.urls")),
]

if settings.DEBUG and settings.FILESYSTEM_DISK == "local":
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
