"""The web app's pages (thin: they run GraphQL operations through execute_operation)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace.models import Community, Resource, Subdistrict, WorkUnit


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": {
            "subdistricts": Subdistrict.objects.count(),
            "communities": Community.objects.count(),
            "units": WorkUnit.objects.count(),
            "resources": Resource.objects.listed().count(),
        }
    }
    return render(request, "frontend/home.html", context)
