from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import healthz

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
handler403 = "config.views.permission_denied"

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("hub.api.urls")),
    path("", include("services.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("accounting.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("subscriptions.api.urls")),
    path("", include("insertion.api.urls")),
    path("", include("sap.api.urls")),
    path("", include("impact.api.urls")),
    path("", include("prescribers.api.urls")),
]

handler400 = "hub.views.bad_request"

urlpatterns = [
    path("", include("hub.urls")),
    path("catalogue/", include("services.urls")),
    path("compte/", include("accounts.urls")),
    path("", include("marketplace.urls")),
    # A structure's receivables belong to the marketplace (accounting knows nothing of invoices).
    path("comptabilite/<slug:slug>/creances/", include("marketplace.receivables_urls")),
    path("comptabilite/", include("accounting.urls")),
    path("reservations/", include("subscriptions.urls")),  # before bookings' catch-all <slug>/
    path("reservations/", include("bookings.urls")),
    path("insertion/", include("insertion.urls")),
    path("services-a-la-personne/", include("sap.urls")),
    path("", include("impact.urls")),  # /impact/ and the public /rapport-activite/<year>/
    path("accompagnements/", include("prescribers.urls")),
    path("auth/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL, not inline (Content-Security-Policy).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
