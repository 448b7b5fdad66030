from django.contrib import admin

from .models import Category, ImportBatch, Indicator, Period, Target, Value
from .tasks import schedule_recompute


class RecomputesOnSave:
    """A change made in the admin is judged by the same rules as an import."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        authorities = None if obj.authority_id is None else [obj.authority_id]
        schedule_recompute(authorities, [obj.indicator_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        authorities = None if obj.authority_id is None else [obj.authority_id]
        schedule_recompute(authorities, [obj.indicator_id])


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


class TargetInline(admin.TabularInline):
    model = Target
    autocomplete_fields = ["authority"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "polarity"]
    list_filter = ["category", "polarity", "unit"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["benchmark"]
    list_select_related = ["category"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(RecomputesOnSave, admin.ModelAdmin):
    list_display = ["indicator", "authority", "year_code", "target", "tolerance"]
    list_filter = ["fiscal_year"]
    search_fields = ["indicator__code", "authority__name"]
    autocomplete_fields = ["indicator", "authority"]
    list_select_related = ["indicator", "authority"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["code"]

    def has_change_permission(self, request, obj=None):
        return False  # periods are made from parsed codes, never edited


@admin.register(Value)
class ValueAdmin(RecomputesOnSave, admin.ModelAdmin):
    list_display = ["authority", "indicator", "period", "value", "status", "direction"]
    list_filter = ["status", "period__kind"]
    search_fields = ["indicator__code", "authority__name"]
    list_select_related = ["authority", "indicator", "period"]
    raw_id_fields = ["authority", "indicator", "period", "import_batch"]
    readonly_fields = ["status", "direction", "hard_to_shift", "updated_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "state", "created_by", "created_at"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
