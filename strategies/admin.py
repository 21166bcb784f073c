from django import forms
from django.contrib import admin
from django.db import models

from strategies.models import (
    Activity,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Project,
    Strategy,
)


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["number", "name_th", "name_en"]
    search_fields = ["name_th", "name_en"]


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    fields = [
        "name_th",
        "responsible_agency",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "progress",
    ]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_th",
        "strategy",
        "lead_agency",
        "first_fiscal_year",
        "last_fiscal_year",
        "status",
    ]
    list_filter = ["strategy", "lead_agency", "status"]
    list_select_related = ["strategy", "lead_agency"]
    search_fields = ["code", "name_th", "name_en"]
    filter_horizontal = ["participating_agencies"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name_th", "project", "responsible_agency", "planned_end", "progress"]
    list_filter = ["responsible_agency", "project__strategy"]
    list_select_related = ["project", "responsible_agency"]
    search_fields = ["name_th", "name_en", "project__code"]


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 1


class ValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
    }
    fields = ["fiscal_year", "quarter", "value", "evidence", "evidence_url", "reported_by"]
    raw_id_fields = ["reported_by"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The kinds of help a computed indicator counts are chosen in an inline that the
    referrals app adds (it owns the help categories)."""

    list_display = ["name_th", "project", "strategy", "measurement", "metric", "responsible_agency"]
    list_filter = ["measurement", "metric", "responsible_agency"]
    list_select_related = ["project", "strategy", "responsible_agency"]
    search_fields = ["name_th", "name_en"]
    inlines = [TargetInline, ValueInline]
