from django.conf.urls.i18n import i18n_patterns  # noqa: F401 - kept for the frontend's use
from django.contrib import admin
from django.urls import include, path

from core.graphql.view import graphql_view

from . import health, lockout

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("graphql/", graphql_view, name="graphql"),
    path("admin/", admin.site.urls),
    path("o/token/", lockout.TokenView.as_view(), name="oauth2-token"),  # throttled (config/lockout.py)
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("booking.urls")),
    path("", include("frontend.urls")),
]

# Errors in the web app's own pages (with debug off; with debug on, the web app's pages answer their own
# 404 and 400 themselves, see frontend/views/base.py).
handler404 = "frontend.views.base.not_found"
handler400 = "frontend.views.base.bad_request"
