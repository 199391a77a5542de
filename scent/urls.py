from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.APP_NAME} administration"
admin.site.site_title = settings.APP_NAME
admin.site.index_title = "Shop management"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("scent.ops.urls")),  # /health
    # /accounts/... (sign-in, reset) and /account/... (the customer's own pages)
    path("", include("scent.accounts.urls")),
    path("", include("scent.catalog.urls")),
]

if settings.DEBUG and settings.FILESYSTEM_DISK == "local":
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
