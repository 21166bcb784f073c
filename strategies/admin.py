from django.contrib import admin

from strategies.models import Strategy


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["number", "name_th", "name_en"]
    search_fields = ["name_th", "name_en"]
