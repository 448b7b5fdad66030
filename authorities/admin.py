from django.contrib import admin

from core.admin import VersionedAdmin

from .models import Authority, OfficerAssignment, Population, StatisticalNeighbour


@admin.register(Population)
class PopulationAdmin(admin.ModelAdmin):
    """Children aged 0-17 per authority and year, for the rates a child-level return gives."""

    list_display = ["authority", "fiscal_year", "children"]
    list_filter = ["fiscal_year"]
    search_fields = ["authority__name", "authority__code"]
    autocomplete_fields = ["authority"]


class NeighbourInline(admin.TabularInline):
    model = StatisticalNeighbour
    fk_name = "authority"
    autocomplete_fields = ["neighbour"]
    extra = 0


@admin.register(Authority)
class AuthorityAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "dfe_code", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "code", "dfe_code"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    inlines = [NeighbourInline]


@admin.register(OfficerAssignment)
class OfficerAssignmentAdmin(admin.ModelAdmin):
    """Which authority an officer works for, and on which side (the app's People page adds
    people with theirs; here an admin corrects one)."""

    list_display = ["user", "authority", "side"]
    list_filter = ["side", "authority"]
    search_fields = ["user__username", "user__email", "authority__name"]
    autocomplete_fields = ["authority"]
    raw_id_fields = ["user"]
