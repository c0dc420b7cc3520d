from django.contrib import admin

from .models import EmailDigest, Notification, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["day", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", "day"]
    search_fields = ["recipient__username", "item_key", "title"]
    raw_id_fields = ["recipient"]


@admin.register(EmailDigest)
class EmailDigestAdmin(admin.ModelAdmin):
    list_display = ["day", "recipient", "notification_count", "sent_at"]
    list_filter = ["day"]
    raw_id_fields = ["recipient"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["sent_at"]
