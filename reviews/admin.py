from django.contrib import admin

from .models import CentralCadre


@admin.register(CentralCadre)
class CentralCadreAdmin(admin.ModelAdmin):
    list_display = ["person", "basis", "created_at"]
    search_fields = ["person__full_name", "person__code"]
    autocomplete_fields = ["person"]
