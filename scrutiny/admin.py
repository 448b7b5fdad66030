from django.contrib import admin

from .models import DigestSetting, Recommendation, ReturnDeadline


@admin.register(ReturnDeadline)
class ReturnDeadlineAdmin(admin.ModelAdmin):
    """Each authority's return deadlines: the digest reminds its officers as one nears."""

    list_display = ["authority", "period", "due_date"]
    list_filter = ["authority"]
    autocomplete_fields = ["authority", "period"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["authority", "period", "kind", "addressed_to", "status", "due_date"]
    list_filter = ["status", "kind", "addressed_to"]
    raw_id_fields = ["answered_by", "created_by"]


admin.site.register(DigestSetting)
