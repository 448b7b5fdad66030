from django.contrib import admin

from .models import DigestSetting, Recommendation, ReturnDeadline


@admin.register(ReturnDeadline)
class ReturnDeadlineAdmin(admin.ModelAdmin):
    """Each authority's return deadlines: the digest reminds its officers as one nears."""

    list_display = ["authority", "period", "due_date"]
    list_filter = ["authority"]
    autocomplete_fields = ["authority", "period"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, not written: the panel's items are written on the panel's pages and a digest
    setting by its owner, through scrutiny.writes, which keeps each step's history and
    allows only the workflow's steps."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["authority", "period", "kind", "addressed_to", "status", "due_date"]
    list_filter = ["status", "kind", "addressed_to"]


@admin.register(DigestSetting)
class DigestSettingAdmin(ReadOnlyAdmin):
    list_display = ["user", "wanted", "last_sent_on"]
