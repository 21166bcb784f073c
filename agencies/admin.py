from django import forms
from django.contrib import admin
from django.db import models

from agencies.models import (
    Agency,
    District,
    Inspector,
    MemberChange,
    Membership,
    Office,
    Province,
    Subdistrict,
)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["province"]


@admin.register(Subdistrict)
class SubdistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "district", "postal_codes"]
    list_select_related = ["district"]
    search_fields = ["code", "name_th", "name_en", "postal_codes"]
    autocomplete_fields = ["district"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
    }
    list_display = ["code", "name_th", "name_en", "is_coordinator", "is_active"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name_th", "name_en", "agency", "province", "is_active"]
    list_filter = ["agency", "is_active"]
    list_select_related = ["agency", "province"]
    search_fields = ["name_th", "name_en", "province__name_th", "province__name_en"]
    autocomplete_fields = ["agency", "province"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "office", "role", "is_active", "created_at"]
    list_filter = ["agency", "role", "is_active"]
    list_select_related = ["user", "agency", "office"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user", "agency", "office"]


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation"]
    autocomplete_fields = ["user"]


@admin.register(MemberChange)
class MemberChangeAdmin(admin.ModelAdmin):
    """The log of changes to members, for reading only: written by the services alone."""

    list_display = ["at", "agency", "action", "member", "actor"]
    list_filter = ["agency", "action"]
    list_select_related = ["agency", "member", "actor"]
    search_fields = ["member__username", "member__email", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
