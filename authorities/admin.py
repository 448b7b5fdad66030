from django.contrib import admin

from .models import Authority, StatisticalNeighbour


class NeighbourInline(admin.TabularInline):
    model = StatisticalNeighbour
    fk_name = "authority"
    autocomplete_fields = ["neighbour"]
    extra = 0


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "dfe_code", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "code", "dfe_code"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    inlines = [NeighbourInline]
