"""Locked-out accounts in the admin (django-axes' failed sign-in records), for district staff.

A row is an account (or an OAuth client) with failed sign-ins; at 10 failures it is locked for 15
minutes. District staff see the rows and unlock an account by deleting its row (one by one or with
the "delete selected" action); each unlock is written to the audit log. Superusers are not needed.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from .services.audit import record


def _is_district_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "is_district_staff", False)))


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions: list[Any] = []  # the library's clean-up action needs model permissions district staff lack

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_district_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_district_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_district_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        with transaction.atomic():
            record(actor=request.user, action="account.unlock", obj=obj,  # type: ignore[arg-type]
                   data={"username": obj.username, "failures": obj.failures_since_start})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        with transaction.atomic():
            for obj in queryset:
                record(actor=request.user, action="account.unlock", obj=obj,  # type: ignore[arg-type]
                       data={"username": obj.username, "failures": obj.failures_since_start})
            super().delete_queryset(request, queryset)
