"""The Django admin for performance admins. Every save and delete goes through the one write
path (indicators.writes), so a target edited on the indicator's page, an indicator's new
polarity or a corrected figure is judged by the same rules as an import, at once."""

from django.contrib import admin

from core.admin import VersionedAdmin

from . import writes
from .models import Category, Indicator, Period, Rebase, Target, Value


@admin.register(Category)
class CategoryAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


class TargetInline(admin.TabularInline):
    model = Target
    autocomplete_fields = ["authority"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "polarity"]
    list_filter = ["category", "polarity", "unit"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["benchmark"]
    list_select_related = ["category"]
    inlines = [TargetInline]

    def save_model(self, request, obj, form, change):
        writes.save_indicator(obj)

    def save_formset(self, request, form, formset, change):
        """The inline's targets, each through the write path (the formset's own save would
        write them behind the recompute's back)."""
        targets = formset.save(commit=False)
        writes.delete_targets(formset.deleted_objects)
        for target in targets:
            writes.save_target(target, user=request.user, reason="Edited in the admin")
        formset.save_m2m()


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "authority", "year_code", "target", "tolerance"]
    list_filter = ["fiscal_year"]
    search_fields = ["indicator__code", "authority__name"]
    autocomplete_fields = ["indicator", "authority"]
    list_select_related = ["indicator", "authority"]

    def save_model(self, request, obj, form, change):
        writes.save_target(obj, user=request.user, reason="Edited in the admin")

    def delete_model(self, request, obj):
        writes.delete_targets([obj])

    def delete_queryset(self, request, queryset):
        writes.delete_targets(queryset)


@admin.register(Period)
class PeriodAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["code", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["code"]

    def has_change_permission(self, request, obj=None):
        return False  # periods are made from parsed codes, never edited


@admin.register(Value)
class ValueAdmin(admin.ModelAdmin):
    list_display = ["authority", "indicator", "period", "value", "status", "direction"]
    list_filter = ["status", "period__kind"]
    search_fields = ["indicator__code", "authority__name"]
    list_select_related = ["authority", "indicator", "period"]
    raw_id_fields = ["authority", "indicator", "period"]
    readonly_fields = ["status", "direction", "hard_to_shift", "updated_at"]

    def save_model(self, request, obj, form, change):
        writes.save_value(obj, user=request.user, reason="Edited in the admin")

    def delete_model(self, request, obj):
        writes.delete_values([obj])

    def delete_queryset(self, request, queryset):
        writes.delete_values(queryset)


@admin.register(Rebase)
class RebaseAdmin(admin.ModelAdmin):
    """Where a control chart starts again; every change goes through indicators.writes."""

    list_display = ["indicator", "authority", "starts", "fixed_points", "reason"]
    list_filter = ["indicator"]
    autocomplete_fields = ["indicator", "authority", "starts"]

    def save_model(self, request, obj, form, change):
        writes.save_rebase(obj)

    def delete_model(self, request, obj):
        writes.delete_rebases([obj])

    def delete_queryset(self, request, queryset):
        writes.delete_rebases(queryset)
