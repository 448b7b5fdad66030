"""What every admin page that edits something figures are judged or compared by shares."""

from __future__ import annotations

from . import versions


class VersionedAdmin:
    """Saves and deletes move the version of what every page reads first (core.versions),
    like every other writer: pages cached against it are redrawn. The admin runs each save
    and delete in a transaction already."""

    def save_model(self, request, obj, form, change):
        versions.take(everything=True)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        versions.take(everything=True)
        super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        versions.take(everything=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        versions.take(everything=True)
        super().delete_queryset(request, queryset)
