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
