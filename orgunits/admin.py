from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Membership, OrgUnit, Person, RoleChange


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin, GuardedModelAdmin):
    form = movenodeform_factory(OrgUnit)
    list_display = ["name", "code", "kind", "staff_count", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["kind", "is_active", "has_special_calendar"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "code", "birth_date", "is_party_member", "party_status"]
    search_fields = ["code", "search_name", "full_name"]
    list_filter = ["is_party_member", "party_status", "has_leadership_post"]
    autocomplete_fields = ["user"]
    inlines = [MembershipInline]


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """Read-only: the audit trail of role grants and withdrawals."""

    list_display = ["created_at", "action", "role", "user", "unit", "actor", "reason"]
    list_filter = ["action", "role"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
