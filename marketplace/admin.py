"""The Django admin, in Chinese by default. District staff read everything; resources are written
through the resource services; the audit log is read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import ServiceError

from .models import AuditEntry, Community, Membership, Resource, Role, Subdistrict, User, WorkUnit
from .services.resources import ResourceFields, publish_resource, update_resource

admin.site.site_header = _("District resource sharing")
admin.site.site_title = _("District resource sharing")
admin.site.index_title = _("Administration")


def _is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "is_district_staff", False)))


admin.site.has_permission = _is_staff  # type: ignore[method-assign]


class ReadMostlyAdmin(admin.ModelAdmin):
    """District staff may view; only superusers change (through services where one exists)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subdistrict)
class SubdistrictAdmin(ReadMostlyAdmin):
    list_display = ("name", "name_en", "lat", "lon")
    search_fields = ("name", "name_en")


@admin.register(Community)
class CommunityAdmin(ReadMostlyAdmin):
    list_display = ("name", "subdistrict", "population", "lat", "lon")
    list_filter = ("subdistrict",)
    search_fields = ("name",)
    list_select_related = ("subdistrict",)


@admin.register(WorkUnit)
class WorkUnitAdmin(ReadMostlyAdmin):
    list_display = ("name", "kind", "subdistrict", "address")
    list_filter = ("kind", "subdistrict")
    search_fields = ("name", "address")
    list_select_related = ("subdistrict",)


RESOURCE_FIELDS = [f.name for f in ResourceFields.__dataclass_fields__.values()]


@admin.register(Resource)
class ResourceAdmin(ReadMostlyAdmin):
    list_display = ("name", "category", "unit", "capacity", "booking_mode", "target_group", "archived_at")
    list_filter = ("category", "booking_mode", "target_group", "unit__subdistrict")
    search_fields = ("name", "address", "unit__name")
    list_select_related = ("unit",)
    readonly_fields = ("archived_at", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        data = ResourceFields(**{k: form.cleaned_data.get(k) for k in RESOURCE_FIELDS if k in form.cleaned_data})
        try:
            if change:
                update_resource(actor=request.user, resource=obj, data=data)  # type: ignore[arg-type]
            else:
                saved = publish_resource(actor=request.user, unit=form.cleaned_data["unit"], data=data)  # type: ignore[arg-type]
                obj.pk = saved.pk
        except ServiceError as exc:
            for error in exc.errors:
                self.message_user(request, f"{error.field or ''} {error.message}", messages.ERROR)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("role", "community", "unit", "verified_by", "verified_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "phone", "roles_display", "is_active")
    search_fields = ("username", "full_name")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal data"), {"fields": ("full_name", "email", "phone", "birth_date", "is_disabled",
                                         "disability_consent_at")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("memberships")

    @admin.display(description=_("roles"))
    def roles_display(self, obj: User) -> str:
        return ", ".join(str(Role(r).label) for r in obj.roles)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "reason")
    date_hierarchy = "at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request)


from . import admin_lockouts  # noqa: E402,F401 - registers the locked-out accounts for district staff
