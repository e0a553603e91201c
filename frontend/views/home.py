"""The home page and the sign-in pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from frontend import operations

from .base import page, render_page, roles_of


@page(login=False)
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors: what this is and how to sign in. Signed in: the tasks of each role."""
    unread = 0
    if "RESIDENT" in roles_of(request):
        unread = operations.run(request, "UnreadCount")["myNotifications"]["unreadCount"]
    return render_page(request, "frontend/home.html", {"unread": unread})


class LoginView(auth_views.LoginView):
    template_name = "frontend/login.html"
    redirect_authenticated_user = True
    next_page = "/"


class LogoutView(auth_views.LogoutView):
    next_page = "/"
