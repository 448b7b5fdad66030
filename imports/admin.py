from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "state", "created_by", "created_at"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
