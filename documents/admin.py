from django.contrib import admin

from .models import DocumentJob


@admin.register(DocumentJob)
class DocumentJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "object_id", "status", "pages", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["fingerprint"]
    readonly_fields = [f.name for f in DocumentJob._meta.fields]
