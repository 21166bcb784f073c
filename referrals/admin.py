from django.contrib import admin

from referrals.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "lead_agency", "strategy", "is_restricted"]
    list_filter = ["lead_agency", "strategy", "is_restricted", "is_active"]
    list_select_related = ["lead_agency", "strategy"]
    search_fields = ["code", "name_th", "name_en"]
